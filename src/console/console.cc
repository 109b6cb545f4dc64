#include "console/console.h"

#include <vector>

#include "console/internal/embedded.h"

namespace fg::console {
namespace {

// Built on first use (thread-safe local static) rather than at static initialisation, so a
// caller running during another translation unit's static init still sees the table.
const std::vector<Asset>& Table() {
  static const std::vector<Asset> table = [] {
    std::vector<Asset> assets;
    assets.reserve(internal::kEmbeddedAssetCount);
    for (std::size_t i = 0; i < internal::kEmbeddedAssetCount; ++i) {
      const internal::EmbeddedAsset& e = internal::kEmbeddedAssets[i];
      assets.push_back(Asset{
          .path = e.path,
          .content_type = e.content_type,
          .body = std::string_view(reinterpret_cast<const char*>(e.data), e.size),
          .etag = e.etag,
      });
    }
    return assets;
  }();
  return table;
}

// The table holds only clean paths, so an exact match already refuses traversal; this
// check keeps that true even if a file with an odd name ever lands in web/.
bool IsCleanPath(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  if (path.find('\0') != std::string_view::npos) return false;
  if (path.find('\\') != std::string_view::npos) return false;
  if (path.find("//") != std::string_view::npos) return false;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

const Asset* FindAsset(std::string_view path) {
  if (path.empty() || path == "/") path = "/index.html";
  if (!IsCleanPath(path)) return nullptr;
  for (const Asset& asset : Table()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

std::span<const Asset> AllAssets() { return Table(); }

}  // namespace fg::console
