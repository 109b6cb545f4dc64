#include "voip/pcap_writer.h"
