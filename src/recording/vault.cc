#include "recording/vault.h"
