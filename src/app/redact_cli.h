// (being written by the dlp helper)
#pragma once
