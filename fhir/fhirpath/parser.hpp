// parser: FHIRPath text -> AST (`expression`), with the operator precedence of FHIRPath N1 §9:
// postfix . [] > unary +/- > * / div mod > + - & > is as > | > < > <= >= > = ~ != !~ > in contains
// > and > xor or > implies.
#pragma once

#include <string>
#include <string_view>

#include "fhir/fhirpath/ast.hpp"
#include "fhir/fhirpath/result.hpp"

namespace homebase::fhir::fhirpath {

class expression {
 public:
  // Parses `text`; on failure the error (kind syntax) carries the offset of the offending token.
  [[nodiscard]] static result<expression> parse(std::string_view text);

  [[nodiscard]] const node& root() const { return *root_; }
  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  expression(node_ptr root, std::string text) : root_(std::move(root)), text_(std::move(text)) {}

  node_ptr root_;
  std::string text_;
};

}  // namespace homebase::fhir::fhirpath
