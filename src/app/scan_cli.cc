#include "app/scan_cli.h"
