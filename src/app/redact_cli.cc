#include "app/redact_cli.h"
