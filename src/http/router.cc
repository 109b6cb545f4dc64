#include "http/router.h"

#include <algorithm>
#include <map>

namespace fg::http {

struct Router::Route {
  Method method;
  size_t route_id;
  std::vector<std::string> param_names;
};

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;
  std::vector<Route> routes;  // routes that end at this node, in registration order
};

namespace {

bool IsNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

bool IsParamName(std::string_view name) {
  if (name.empty() || !IsNameStart(name.front())) return false;
  return std::all_of(name.begin(), name.end(), IsNameChar);
}

// Splits "/a/b" into {"a", "b"} and "/" into {""}; the caller has checked the leading '/'.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 1;
  while (true) {
    size_t end = path.find('/', pos);
    out.push_back(path.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out;
}

void AddAllowed(std::vector<Method>& allowed, Method method) {
  if (std::find(allowed.begin(), allowed.end(), method) == allowed.end()) {
    allowed.push_back(method);
  }
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

Result<void> Router::Add(Method method, std::string_view pattern, size_t route_id) {
  auto bad = [&](std::string why) {
    return InvalidArgument("pattern", "route pattern \"" + std::string(pattern) + "\": " + why);
  };
  if (method == Method::kOther) return bad("method must be a known HTTP method");
  if (pattern.empty() || pattern.front() != '/') return bad("must start with '/'");

  Node* node = root_.get();
  std::vector<std::string> names;
  if (pattern != "/") {
    for (std::string_view segment : Segments(pattern)) {
      if (segment.empty()) return bad("empty segment (double or trailing '/')");
      if (segment.front() == '{') {
        if (segment.back() != '}') return bad("a parameter must be a whole segment: {name}");
        std::string_view name = segment.substr(1, segment.size() - 2);
        if (!IsParamName(name)) return bad("parameter name must be [A-Za-z_][A-Za-z0-9_]*");
        if (std::find(names.begin(), names.end(), name) != names.end()) {
          return bad("parameter {" + std::string(name) + "} appears twice");
        }
        names.emplace_back(name);
        if (!node->param) node->param = std::make_unique<Node>();
        node = node->param.get();
        continue;
      }
      if (segment.find_first_of("{}?#") != std::string_view::npos) {
        return bad("literal segment contains '{', '}', '?' or '#'");
      }
      auto it = node->literals.find(segment);
      if (it == node->literals.end()) {
        it = node->literals.emplace(std::string(segment), std::make_unique<Node>()).first;
      }
      node = it->second.get();
    }
  } else {
    auto it = node->literals.find("");
    if (it == node->literals.end()) {
      it = node->literals.emplace("", std::make_unique<Node>()).first;
    }
    node = it->second.get();
  }

  for (const Route& route : node->routes) {
    if (route.method == method) {
      return bad("duplicate route for " + std::string(MethodName(method)));
    }
  }
  node->routes.push_back(Route{method, route_id, std::move(names)});

  auto listed = std::find_if(patterns_.begin(), patterns_.end(),
                             [&](const Pattern& p) { return p.pattern == pattern; });
  if (listed == patterns_.end()) {
    patterns_.push_back(Pattern{std::string(pattern), {method}});
  } else {
    listed->methods.push_back(method);
  }
  return {};
}

namespace {

// Depth-first search, literal child before parameter child, so that the first route found
// is the most literal one. Stops at the first route for `method`; otherwise collects the
// methods of every route whose pattern matches the path.
template <typename NodeT, typename RouteT>
const RouteT* Search(const NodeT& node, std::string_view path, size_t pos, Method method,
                     std::vector<std::string_view>& captured, std::vector<Method>* allowed) {
  if (pos == std::string_view::npos) {
    const RouteT* get = nullptr;
    for (const RouteT& route : node.routes) {
      if (route.method == method) return &route;
      if (route.method == Method::kGet) get = &route;
    }
    if (method == Method::kHead && get != nullptr) return get;
    if (allowed != nullptr) {
      for (const RouteT& route : node.routes) {
        AddAllowed(*allowed, route.method);
        if (route.method == Method::kGet) AddAllowed(*allowed, Method::kHead);
      }
    }
    return nullptr;
  }
  size_t end = path.find('/', pos);
  std::string_view segment = path.substr(pos, end == std::string_view::npos ? end : end - pos);
  size_t next = end == std::string_view::npos ? end : end + 1;
  if (auto it = node.literals.find(segment); it != node.literals.end()) {
    if (auto* found = Search<NodeT, RouteT>(*it->second, path, next, method, captured, allowed)) {
      return found;
    }
  }
  if (node.param && !segment.empty()) {
    captured.push_back(segment);
    if (auto* found = Search<NodeT, RouteT>(*node.param, path, next, method, captured, allowed)) {
      return found;
    }
    captured.pop_back();
  }
  return nullptr;
}

}  // namespace

std::optional<Router::Match> Router::Find(Method method, std::string_view path,
                                          std::vector<Method>* allowed) const {
  if (allowed != nullptr) allowed->clear();
  if (path.empty() || path.front() != '/') return std::nullopt;
  std::vector<std::string_view> captured;
  const Route* route = Search<Node, Route>(*root_, path, 1, method, captured, allowed);
  if (route == nullptr) return std::nullopt;
  if (allowed != nullptr) allowed->clear();
  Match match{route->route_id, {}};
  match.params.reserve(captured.size());
  for (size_t i = 0; i < captured.size() && i < route->param_names.size(); ++i) {
    match.params.emplace_back(route->param_names[i], captured[i]);
  }
  return match;
}

}  // namespace fg::http
