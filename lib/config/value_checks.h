#pragma once

// Internal to lib/config: shape checks on single values, used by validate.cpp.

#include <optional>
#include <string>
#include <string_view>

namespace lw::config {

// The shape of a bcrypt hash as crypt(3) writes it ("$2b$12$" and 53 characters).
bool is_bcrypt(std::string_view hash);

// nullopt when a group name template is fine, else what is wrong with it.
std::optional<std::string> template_problem(std::string_view name);

}  // namespace lw::config
