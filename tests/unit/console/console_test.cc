#include "console/console.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace fg::console {
namespace {

TEST(ConsoleAssets, RootServesIndexHtml) {
  const Asset* root = FindAsset("/");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->path, "/index.html");
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_NE(root->body.find("<!doctype html>"), std::string_view::npos);
  EXPECT_EQ(FindAsset("/index.html"), root);
  EXPECT_EQ(FindAsset(""), root);
}

TEST(ConsoleAssets, ScriptsAreJavascript) {
  const Asset* app = FindAsset("/js/app.js");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->content_type, "text/javascript; charset=utf-8");
  EXPECT_FALSE(app->body.empty());
}

TEST(ConsoleAssets, StylesheetsAreCss) {
  const Asset* css = FindAsset("/css/console.css");
  ASSERT_NE(css, nullptr);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
}

TEST(ConsoleAssets, MissingPathIsNull) {
  EXPECT_EQ(FindAsset("/nope.js"), nullptr);
  EXPECT_EQ(FindAsset("/js/"), nullptr);
  EXPECT_EQ(FindAsset("/js"), nullptr);
  EXPECT_EQ(FindAsset("index.html"), nullptr);
  EXPECT_EQ(FindAsset("/INDEX.HTML"), nullptr);
}

TEST(ConsoleAssets, PathTraversalIsNull) {
  EXPECT_EQ(FindAsset("/../x"), nullptr);
  EXPECT_EQ(FindAsset("/.."), nullptr);
  EXPECT_EQ(FindAsset("/js/../index.html"), nullptr);
  EXPECT_EQ(FindAsset("/./index.html"), nullptr);
  EXPECT_EQ(FindAsset("//index.html"), nullptr);
  EXPECT_EQ(FindAsset("/js\\app.js"), nullptr);
  EXPECT_EQ(FindAsset(std::string_view("/index.html\0.js", 15)), nullptr);
  EXPECT_EQ(FindAsset("/../../etc/passwd"), nullptr);
}

TEST(ConsoleAssets, EveryAssetHasTypeAndContentHashEtag) {
  std::set<std::string_view> paths;
  for (const Asset& asset : AllAssets()) {
    EXPECT_TRUE(paths.insert(asset.path).second) << asset.path;
    EXPECT_FALSE(asset.content_type.empty()) << asset.path;
    EXPECT_EQ(asset.etag.size(), 16u) << asset.path;
    EXPECT_EQ(asset.etag.find_first_not_of("0123456789abcdef"), std::string_view::npos) << asset.etag;
    EXPECT_EQ(FindAsset(asset.path), &asset);
  }
  const Asset* app = FindAsset("/js/app.js");
  const Asset* css = FindAsset("/css/console.css");
  ASSERT_NE(app, nullptr);
  ASSERT_NE(css, nullptr);
  EXPECT_NE(app->etag, css->etag);
}

}  // namespace
}  // namespace fg::console
