// `floorguard scan [--format text|jsonl|csv] [--jobs N] PATH...`: card data at rest. Walks the
// paths with scan::ScanPaths and prints one line per finding on standard output (text, JSON
// lines, or CSV with a header row) and one line per problem on standard error ("scan: PATH:
// problem"). Findings carry the mask only, never the full number.
// Exit code: 0 nothing found, 1 findings, 2 bad usage or nothing could be read at all (every
// path unreadable). A tree that is only partly unreadable still gives 0 or 1; its problems are
// on standard error.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace fg::app {

struct ScanCliOptions {
  std::vector<std::string> paths;
  std::string format = "text";       // text, jsonl or csv
  std::string jobs;                  // worker threads; empty: the number of cores
  std::vector<std::string> unknown;  // arguments the parser did not recognise (bad usage)
};

int ScanCommand(const ScanCliOptions& options, std::FILE* out = stdout, std::FILE* err = stderr);

}  // namespace fg::app
