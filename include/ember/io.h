// Saving and loading: safetensors files, ember::save / ember::load, archives of nested values,
// atomic writes and training checkpoints.
#pragma once

#include "ember/io/archive.h"
#include "ember/io/atomic_file.h"
#include "ember/io/checkpoint.h"
#include "ember/io/safetensors.h"
#include "ember/io/serialize.h"
