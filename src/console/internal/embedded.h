// The table that cmake/embed_assets.cmake generates; only src/console/console.cc reads it.
#pragma once

#include <cstddef>

namespace fg::console::internal {

struct EmbeddedAsset {
  const char* path;          // "/js/app.js"
  const char* content_type;  // "text/javascript; charset=utf-8"
  const unsigned char* data;
  std::size_t size;
  const char* etag;  // 16 hex digits
};

extern const EmbeddedAsset kEmbeddedAssets[];
extern const std::size_t kEmbeddedAssetCount;

}  // namespace fg::console::internal
