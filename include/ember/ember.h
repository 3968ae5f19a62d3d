// Everything a user of ember needs: #include <ember/ember.h>
#pragma once

#include "ember/autograd.h"
#include "ember/data.h"
#include "ember/device.h"
#include "ember/dtype.h"
#include "ember/error.h"
#include "ember/io.h"
#include "ember/nn.h"
#include "ember/ops.h"
#include "ember/optim.h"
#include "ember/random.h"
#include "ember/scalar.h"
#include "ember/shape.h"
#include "ember/tensor.h"
#include "ember/tensor_literal.h"
