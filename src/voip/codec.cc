#include "voip/codec.h"
