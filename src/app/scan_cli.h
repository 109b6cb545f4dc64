// (being written by the scan helper)
#pragma once
