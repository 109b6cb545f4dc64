#include "voip/net/pcap_source.h"
