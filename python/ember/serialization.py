"""ember.save and ember.load: tensors, state dicts and nested checkpoints (dicts, lists and tuples
of tensors, numbers, strings and None) in one safetensors file, written atomically by the C++
archive (ember::io::Archive).

Every tensor is a tensor of the file under its dotted path ("model.fc.weight", "optimizer.state.0.
exp_avg"), so any safetensors reader sees them; numbers and strings go to the header's
__metadata__, and "__ember_structure__" records the Python nesting (container types, key types,
order) so that load returns the object that was saved. A safetensors file from another tool loads
as a dict of its tensors in file order."""
import os

from . import _C

_STRUCTURE_KEY = "__ember_structure__"


def _flatten(obj, path, archive, used):
    """The JSON structure of obj, writing its leaves into archive under dotted paths."""
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"ember.save: dict keys must be str or int, got {type(key).__name__} at '{path}'")
            items.append([key, _flatten(value, f"{path}.{key}" if path else str(key), archive, used)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {kind: [_flatten(v, f"{path}.{i}" if path else str(i), archive, used) for i, v in enumerate(obj)]}
    if obj is None:
        return {"none": True}
    leaf = path or "tensor"
    if leaf in used or leaf == _STRUCTURE_KEY:
        raise ValueError(f"ember.save: two entries would be stored under the same key '{leaf}'")
    used.add(leaf)
    archive.write(leaf, obj)
    return {"leaf": leaf}


def _rebuild(node, archive):
    if "leaf" in node:
        return archive.get(node["leaf"])
    if "none" in node:
        return None
    if "dict" in node:
        return {key: _rebuild(value, archive) for key, value in node["dict"]}
    if "tuple" in node:
        return tuple(_rebuild(v, archive) for v in node["tuple"])
    return [_rebuild(v, archive) for v in node["list"]]


def _is_file_like(f, method):
    return hasattr(f, method) and not isinstance(f, (str, bytes, os.PathLike))


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True):
    """Saves obj (a Tensor, or dicts / lists / tuples of tensors, numbers, strings and None) to
    f, a path or a binary file object, as a safetensors file."""
    import json  # deferred, like tempfile: `import ember` stays fast

    archive = _C._io.Archive()
    structure = _flatten(obj, "", archive, set())
    archive.write(_STRUCTURE_KEY, json.dumps(structure, separators=(",", ":")))
    if not _is_file_like(f, "write"):
        archive.save(os.fspath(f))
        return
    import tempfile  # only file objects pay its import

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "object.safetensors")
        archive.save(path)
        with open(path, "rb") as saved:
            f.write(saved.read())


def load(f, map_location=None, pickle_module=None, *, weights_only=False, **pickle_load_args):
    """Loads what save wrote (any safetensors file: a dict of its tensors when it has no ember
    structure). f is a path or a binary file object; map_location is accepted for torch's
    signature (ember runs on the CPU)."""
    if _is_file_like(f, "read"):
        import tempfile

        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "object.safetensors")
            with open(path, "wb") as copy:
                copy.write(f.read())
            return load(path)
    import json

    archive = _C._io.Archive.load(os.fspath(f))
    if _STRUCTURE_KEY in archive:
        return _rebuild(json.loads(archive.get(_STRUCTURE_KEY)), archive)
    return {key: archive.get(key) for key in archive.keys()}


__all__ = ["save", "load"]
