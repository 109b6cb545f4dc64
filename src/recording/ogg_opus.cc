#include "recording/ogg_opus.h"
