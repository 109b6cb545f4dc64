// Device tokens: creation, listing, revocation, and the hot-path check with its cache.
#include <algorithm>

#include "auth/auth.h"
#include "auth/internal/common.h"
#include "auth/internal/secrets.h"
#include "auth/internal/state.h"

namespace fg::auth {

namespace {

using internal::Details;
using internal::Subject;
using internal::Unauthenticated;
using Json = nlohmann::json;

constexpr int kMaxListLimit = 1000;
constexpr std::string_view kTokenColumns = "id, name, role, station_id, created_at, revoked_at";

DeviceToken ReadToken(const store::Row& row) {
  DeviceToken token;
  token.id = row.Int(0);
  token.name = row.Text(1);
  token.role = ParseRole(row.TextView(2)).value_or(Role::kSensor);
  token.station_id = row.OptInt(3);
  token.created_at = core::FromUnixMicros(row.Int(4));
  if (auto revoked = row.OptInt(5)) {
    token.revoked = true;
    token.revoked_at = core::FromUnixMicros(*revoked);
  }
  return token;
}

Result<void> CheckTokenName(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return InvalidArgument("name", "must be 1 to 64 characters");
  bool ok = std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
  });
  if (!ok) return InvalidArgument("name", "may hold only letters, digits, '.', '_' and '-'");
  return {};
}

}  // namespace

Result<Auth::CreatedToken> Auth::CreateToken(std::string_view actor, std::string_view name,
                                             Role role, std::optional<int64_t> station_id) {
  FG_RETURN_IF_ERROR(CheckTokenName(name));
  if (!IsDeviceRole(role)) {
    return InvalidArgument(
        "role", "must be a device role: door-controller, workstation, pbx, sensor or monitor");
  }
  if (station_id && *station_id <= 0) {
    return InvalidArgument("station_id", "must be a positive station id");
  }
  CreatedToken created{.secret = internal::NewSecret(internal::kDevicePrefix)};
  std::string secret_hash = internal::SecretHash(created.secret);
  created.token = DeviceToken{.name = std::string(name),
                              .role = role,
                              .station_id = station_id,
                              .created_at = clock_.WallNow()};
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    bool taken = false;
    FG_RETURN_IF_ERROR(
        c.Exec("SELECT 1 FROM auth_tokens WHERE name = ? COLLATE NOCASE AND revoked_at IS NULL",
               {name}, [&](const store::Row&) { taken = true; }));
    if (taken) {
      return internal::AlreadyExists(
          "name", "a live device token named '" + std::string(name) + "' exists");
    }
    FG_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO auth_tokens (name, role, station_id, secret_hash, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        {name, RoleName(role), station_id, store::BlobView{secret_hash},
         core::ToUnixMicros(created.token.created_at), actor}));
    created.token.id = c.LastInsertRowId();
    Json details = {{"name", name}, {"role", RoleName(role)}};
    details["station_id"] = station_id ? Json(*station_id) : Json(nullptr);
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "token.create",
                    .subject = Subject("token", created.token.id),
                    .details = Details(details)})
        .transform([](int64_t) {});
  }));
  return created;
}

Result<DeviceToken> Auth::GetToken(int64_t id) {
  std::optional<DeviceToken> token;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT " + std::string(kTokenColumns) + " FROM auth_tokens WHERE id = ?", {id},
                  [&](const store::Row& row) { token = ReadToken(row); });
  }));
  if (!token) return NotFound("device token " + std::to_string(id) + " does not exist");
  return std::move(*token);
}

Result<ListPage<DeviceToken>> Auth::ListTokens(int limit, std::optional<int64_t> after_id) {
  limit = std::clamp(limit, 1, kMaxListLimit);
  ListPage<DeviceToken> page;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT " + std::string(kTokenColumns) +
                      " FROM auth_tokens WHERE id > ? ORDER BY id LIMIT ?",
                  {after_id.value_or(0), limit + 1},
                  [&](const store::Row& row) { page.items.push_back(ReadToken(row)); });
  }));
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.pop_back();
    page.next_after_id = page.items.back().id;
  }
  return page;
}

Result<void> Auth::RevokeToken(std::string_view actor, int64_t id) {
  FG_RETURN_IF_ERROR(db_.Write([&](store::Connection& c) -> Result<void> {
    std::optional<bool> revoked;
    FG_RETURN_IF_ERROR(c.Exec("SELECT revoked_at IS NOT NULL FROM auth_tokens WHERE id = ?", {id},
                              [&](const store::Row& row) { revoked = row.Int(0) != 0; }));
    if (!revoked) return NotFound("device token " + std::to_string(id) + " does not exist");
    if (*revoked) return {};
    FG_RETURN_IF_ERROR(c.Exec("UPDATE auth_tokens SET revoked_at = ? WHERE id = ?",
                              {core::ToUnixMicros(clock_.WallNow()), id}));
    return log_
        .Append(c, {.actor = std::string(actor),
                    .action = "token.revoke",
                    .subject = Subject("token", id),
                    .details = "{}"})
        .transform([](int64_t) {});
  }));
  // Committed: no cached copy may answer for this token any more, and no lookup that read
  // the row before the commit may cache it now (it sees `revocations` move).
  std::unique_lock lock(state_->devices_mu);
  ++state_->revocations;
  std::erase_if(state_->devices,
                [id](const auto& entry) { return entry.second.principal.id == id; });
  return {};
}

Result<Principal> Auth::AuthenticateDevice(std::string_view bearer_token) {
  if (!internal::LooksLikeSecret(bearer_token, internal::kDevicePrefix)) {
    return Unauthenticated("not a device token");
  }
  std::string hash = internal::SecretHash(bearer_token);
  core::SteadyTime now = clock_.SteadyNow();
  uint64_t revocations = 0;
  {
    std::shared_lock lock(state_->devices_mu);
    auto it = state_->devices.find(hash);
    if (it != state_->devices.end() && now - it->second.verified_at < options_.device_cache_ttl) {
      return it->second.principal;
    }
    revocations = state_->revocations;
  }

  struct Found {
    std::string secret_hash;
    DeviceToken token;
  };
  std::optional<Found> found;
  FG_RETURN_IF_ERROR(db_.Read([&](store::Connection& c) {
    return c.Exec("SELECT secret_hash, " + std::string(kTokenColumns) +
                      " FROM auth_tokens WHERE secret_hash = ?",
                  {store::BlobView{hash}}, [&](const store::Row& row) {
                    found = Found{.secret_hash = row.Blob(0), .token = {}};
                    found->token.id = row.Int(1);
                    found->token.name = row.Text(2);
                    found->token.role = ParseRole(row.TextView(3)).value_or(Role::kSensor);
                    found->token.station_id = row.OptInt(4);
                    found->token.revoked = !row.IsNull(6);
                  });
  }));
  if (!found || !internal::SameHash(found->secret_hash, hash)) {
    return Unauthenticated("unknown device token");
  }
  if (found->token.revoked) return Unauthenticated("device token revoked");
  if (!IsDeviceRole(found->token.role)) return Unauthenticated("token has no device role");
  Principal principal{.kind = Principal::Kind::kDevice,
                      .id = found->token.id,
                      .name = found->token.name,
                      .role = found->token.role,
                      .station_id = found->token.station_id};
  std::unique_lock lock(state_->devices_mu);
  if (state_->revocations == revocations) {
    if (state_->devices.size() >= kMaxCachedDevices) {
      std::erase_if(state_->devices, [&](const auto& entry) {
        return now - entry.second.verified_at >= options_.device_cache_ttl;
      });
      if (state_->devices.size() >= kMaxCachedDevices) state_->devices.clear();
    }
    state_->devices[hash] = {.principal = principal, .verified_at = now};
  }
  return principal;
}

}  // namespace fg::auth
