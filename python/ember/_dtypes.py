"""The dtypes under torch's names: ember.float32, ember.float, ember.long, ..."""
from ._C import dtype as _dtype

bool = _dtype.bool
uint8 = _dtype.uint8
int32 = _dtype.int32
int64 = _dtype.int64
float16 = _dtype.float16
bfloat16 = _dtype.bfloat16
float32 = _dtype.float32
float64 = _dtype.float64
half = float16
float = float32
double = float64
int = int32
long = int64

__all__ = ["bool", "uint8", "int32", "int64", "float16", "bfloat16", "float32", "float64",
           "half", "float", "double", "int", "long"]
