// Data loading (torch.utils.data and torchvision's datasets and transforms): datasets, samplers,
// the DataLoader, transforms, and the MNIST, CSV and image-folder datasets.
#pragma once

#include "ember/data/collate.h"
#include "ember/data/csv.h"
#include "ember/data/dataloader.h"
#include "ember/data/dataset.h"
#include "ember/data/image_folder.h"
#include "ember/data/mnist.h"
#include "ember/data/options.h"
#include "ember/data/sampler.h"
#include "ember/data/transforms.h"
