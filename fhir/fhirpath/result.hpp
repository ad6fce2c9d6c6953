// result: value-or-error return type of the FHIRPath public API (no exceptions cross it).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <variant>

namespace homebase::fhir::fhirpath {

enum class error_kind { syntax, semantic, execution };

struct error {
  error_kind kind = error_kind::syntax;
  std::string message;
  std::size_t position = 0;  // byte offset in the expression text
};

template <typename T>
class result {
 public:
  result(T v) : state_(std::move(v)) {}      // NOLINT(google-explicit-constructor)
  result(error e) : state_(std::move(e)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] const T& value() const { return std::get<0>(state_); }
  [[nodiscard]] T& value() { return std::get<0>(state_); }
  [[nodiscard]] const error& failure() const { return std::get<1>(state_); }

 private:
  std::variant<T, error> state_;
};

}  // namespace homebase::fhir::fhirpath
