// Router: maps a method and a decoded path to the id of a route registered with a pattern.
//
// Decides which route a request belongs to, and which methods the path would allow (for
// 405 + Allow). It never looks at headers, bodies or callers: authorisation is src/api's.
// Patterns are "/"-separated segments, each a literal or a "{name}" parameter. Matching is
// strict: no trailing-slash folding, no case folding, no dot-segment normalisation. Among
// routes that match, literal segments win over parameters, left to right. HEAD matches
// GET routes unless a HEAD route is registered. A parameter never matches an empty segment.
// Thread-safety: Add() is not thread-safe; after the last Add(), concurrent Find() is.
//
//   http::Router router;
//   FG_RETURN_IF_ERROR(router.Add(http::Method::kGet, "/api/v1/people/{id}", 7));
//   auto match = router.Find(http::Method::kGet, "/api/v1/people/42");  // id=42, route 7
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "http/message.h"

namespace fg::http {

class Router {
 public:
  struct Match {
    size_t route_id;
    std::vector<std::pair<std::string, std::string>> params;  // in pattern order
  };

  // One registered pattern and its methods in insertion order (for generating OpenAPI).
  struct Pattern {
    std::string pattern;
    std::vector<Method> methods;
  };

  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // pattern: "/api/v1/people/{id}". Returns InvalidArgument (field "pattern") on a bad
  // pattern (no leading '/', empty segment, unbalanced or misplaced braces, a parameter name
  // that is not [A-Za-z_][A-Za-z0-9_]*, a repeated parameter name), on Method::kOther, and
  // when the same method already has a route of the same shape ("/a/{id}" vs "/a/{key}").
  Result<void> Add(Method method, std::string_view pattern, size_t route_id);

  // nullopt when no route matches the method and path. *allowed is cleared, and when Find
  // returns nullopt it gets the methods that some route allows on this path (GET implies
  // HEAD), in registration order: empty means 404, non-empty means 405.
  std::optional<Match> Find(Method method, std::string_view path,
                            std::vector<Method>* allowed = nullptr) const;

  // Each added pattern with its methods, in insertion order.
  const std::vector<Pattern>& Patterns() const { return patterns_; }

 private:
  struct Node;
  struct Route;

  std::unique_ptr<Node> root_;
  std::vector<Pattern> patterns_;
};

}  // namespace fg::http
