#include "projections/directory.hpp"
