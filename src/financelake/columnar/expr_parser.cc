// Expr::Parse: a hand-written lexer and recursive-descent parser that binds names and casts
// literals against the schema as it goes, so every error can name its position.
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "financelake/columnar/expr.h"

namespace financelake::columnar {

namespace {

using NodePtr = std::shared_ptr<ExprNode>;
using expr_internal::CastLiteral;
using expr_internal::Literal;
using expr_internal::PositionError;

enum class Tok : uint8_t {
  kEnd,
  kIdent,
  kQuotedIdent,
  kString,
  kNumber,
  kOp,
  kLParen,
  kRParen,
  kComma
};

struct Token {
  Tok type = Tok::kEnd;
  std::string text;  // name, decoded string, number or operator as written
  size_t pos = 0;    // 0-based byte offset

  bool IsKeyword(std::string_view kw) const {
    if (type != Tok::kIdent || text.size() != kw.size()) return false;
    for (size_t i = 0; i < kw.size(); ++i) {
      char c = text[i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c != kw[i]) return false;
    }
    return true;
  }
  std::string Describe() const {
    switch (type) {
      case Tok::kEnd: return "end of input";
      case Tok::kString: return fmt::format("string '{}'", text);
      case Tok::kQuotedIdent: return fmt::format("`{}`", text);
      default: return fmt::format("'{}'", text);
    }
  }
};

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsIdentChar(char c) {
  return IsIdentStart(c) || IsDigit(c);
}

// Reads a quoted run starting at text[*i] (the opening quote); a doubled quote is one quote.
bool ReadQuoted(std::string_view text, size_t* i, std::string* out) {
  const char q = text[*i];
  for (size_t j = *i + 1; j < text.size(); ++j) {
    if (text[j] != q) {
      out->push_back(text[j]);
    } else if (j + 1 < text.size() && text[j + 1] == q) {
      out->push_back(q);
      ++j;
    } else {
      *i = j + 1;
      return true;
    }
  }
  return false;
}

Result<std::vector<Token>> Lex(std::string_view text) {
  std::vector<Token> toks;
  size_t i = 0;
  while (true) {
    while (i < text.size() && std::strchr(" \t\r\n\f\v", text[i]) != nullptr && text[i] != 0) ++i;
    Token t;
    t.pos = i;
    if (i == text.size()) {
      toks.push_back(std::move(t));
      return toks;
    }
    const char c = text[i];
    const auto digit_at = [&](size_t k) { return k < text.size() && IsDigit(text[k]); };
    if (IsIdentStart(c)) {
      t.type = Tok::kIdent;
      while (i < text.size() && IsIdentChar(text[i])) t.text.push_back(text[i++]);
    } else if (c == '`' || c == '\'') {
      t.type = c == '`' ? Tok::kQuotedIdent : Tok::kString;
      if (!ReadQuoted(text, &i, &t.text)) {
        return PositionError(t.pos, c == '`' ? "unterminated `quoted name`"
                                             : "unterminated string literal (missing ')");
      }
    } else if (IsDigit(c) || (c == '.' && digit_at(i + 1)) ||
               ((c == '-' || c == '+') &&
                (digit_at(i + 1) ||
                 (i + 1 < text.size() && text[i + 1] == '.' && digit_at(i + 2))))) {
      t.type = Tok::kNumber;
      size_t j = i;
      if (text[j] == '-' || text[j] == '+') ++j;
      while (digit_at(j)) ++j;
      if (j < text.size() && text[j] == '.') {
        ++j;
        while (digit_at(j)) ++j;
      }
      bool ok = true;
      if (j < text.size() && (text[j] == 'e' || text[j] == 'E')) {
        ++j;
        if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
        ok = digit_at(j);
        while (digit_at(j)) ++j;
      }
      if (!ok || (j < text.size() && (IsIdentChar(text[j]) || text[j] == '.'))) {
        while (j < text.size() && (IsIdentChar(text[j]) || text[j] == '.')) ++j;
        return PositionError(i, fmt::format("malformed number '{}'", text.substr(i, j - i)));
      }
      t.text = std::string(text.substr(i, j - i));
      i = j;
    } else if (c == '(' || c == ')' || c == ',') {
      t.type = c == '(' ? Tok::kLParen : c == ')' ? Tok::kRParen : Tok::kComma;
      t.text = std::string(1, c);
      ++i;
    } else if (c == '=' || c == '<' || c == '>' || c == '!') {
      const char n = i + 1 < text.size() ? text[i + 1] : '\0';
      size_t len = 1;
      if (n == '=' || (c == '<' && n == '>')) len = 2;
      if (c == '!' && len == 1) return PositionError(i, "unexpected '!' (use != or NOT)");
      t.type = Tok::kOp;
      t.text = std::string(text.substr(i, len));
      i += len;
    } else {
      const unsigned char u = static_cast<unsigned char>(c);
      return PositionError(i, u >= 0x20 && u < 0x7f ? fmt::format("unexpected character '{}'", c)
                                                    : fmt::format("unexpected byte 0x{:02x}", u));
    }
    toks.push_back(std::move(t));
  }
}

CompareOp OpFromText(std::string_view s) {
  if (s == "=" || s == "==") return CompareOp::kEq;
  if (s == "!=" || s == "<>") return CompareOp::kNe;
  if (s == "<") return CompareOp::kLt;
  if (s == "<=") return CompareOp::kLe;
  if (s == ">") return CompareOp::kGt;
  return CompareOp::kGe;
}

bool OpHolds(CompareOp op, int c) {
  switch (op) {
    case CompareOp::kEq: return c == 0;
    case CompareOp::kNe: return c != 0;
    case CompareOp::kLt: return c < 0;
    case CompareOp::kLe: return c <= 0;
    case CompareOp::kGt: return c > 0;
    case CompareOp::kGe: return c >= 0;
  }
  return false;
}

// Which kinds of column may be compared with each other.
enum class Domain : uint8_t { kNone, kBool, kNumber, kTemporal, kBytes };
Domain DomainOf(TypeKind k) {
  switch (k) {
    case TypeKind::kBoolean: return Domain::kBool;
    case TypeKind::kByte:
    case TypeKind::kShort:
    case TypeKind::kInteger:
    case TypeKind::kLong:
    case TypeKind::kFloat:
    case TypeKind::kDouble:
    case TypeKind::kDecimal: return Domain::kNumber;
    case TypeKind::kDate:
    case TypeKind::kTimestamp: return Domain::kTemporal;
    case TypeKind::kString:
    case TypeKind::kBinary: return Domain::kBytes;
    default: return Domain::kNone;
  }
}

NodePtr MakeConst(uint8_t truth) {
  auto n = std::make_shared<ExprNode>();
  n->kind = ExprNode::Kind::kConst;
  n->truth = truth;
  return n;
}

// An operand: a bound column or an uncast literal.
struct Operand {
  const Field* field = nullptr;  // null: literal
  Literal lit;
  size_t pos = 0;
};

class Parser {
 public:
  Parser(std::vector<Token> toks, const Schema& schema) : toks_(std::move(toks)), schema_(schema) {}

  Result<NodePtr> ParseAll() {
    FL_ASSIGN_OR_RETURN(NodePtr root, ParseOr());
    const Token& t = Peek();
    if (t.type == Tok::kEnd) return root;
    if (t.type == Tok::kRParen)
      return PositionError(t.pos, "unexpected ')' without a matching '('");
    return PositionError(
        t.pos, fmt::format("unexpected {}; expected AND, OR or end of input", t.Describe()));
  }

 private:
  static constexpr int kMaxDepth = 200;

  const Token& Peek(size_t ahead = 0) const {
    return toks_[std::min(i_ + ahead, toks_.size() - 1)];
  }
  const Token& Next() {
    const Token& t = toks_[i_];
    if (i_ + 1 < toks_.size()) ++i_;
    return t;
  }

  Result<NodePtr> ParseList(ExprNode::Kind kind, std::string_view keyword) {
    const bool is_and = kind == ExprNode::Kind::kAnd;
    FL_ASSIGN_OR_RETURN(NodePtr first,
                        is_and ? ParseNot() : ParseList(ExprNode::Kind::kAnd, "AND"));
    if (!Peek().IsKeyword(keyword)) return first;
    auto list = std::make_shared<ExprNode>();
    list->kind = kind;
    const auto add = [&list, kind](NodePtr c) {
      if (c->kind == kind) {
        for (auto& g : c->children) list->children.push_back(g);
      } else {
        list->children.push_back(std::move(c));
      }
    };
    add(std::move(first));
    while (Peek().IsKeyword(keyword)) {
      Next();
      FL_ASSIGN_OR_RETURN(NodePtr c, is_and ? ParseNot() : ParseList(ExprNode::Kind::kAnd, "AND"));
      add(std::move(c));
    }
    return list;
  }
  Result<NodePtr> ParseOr() { return ParseList(ExprNode::Kind::kOr, "OR"); }

  Result<NodePtr> ParseNot() {
    if (!Peek().IsKeyword("NOT")) return ParseCmp();
    const Token& t = Next();
    if (++depth_ > kMaxDepth) return PositionError(t.pos, "expression nested too deeply");
    FL_ASSIGN_OR_RETURN(NodePtr child, ParseNot());
    --depth_;
    auto n = std::make_shared<ExprNode>();
    n->kind = ExprNode::Kind::kNot;
    n->children.push_back(std::move(child));
    return n;
  }

  // What the previous token was, for "expected X after Y".
  std::string After() const {
    return i_ == 0 ? std::string() : fmt::format(" after '{}'", toks_[i_ - 1].text);
  }

  Result<NodePtr> ParseCmp() {
    if (Peek().type == Tok::kLParen) {
      const size_t open = Next().pos;
      if (++depth_ > kMaxDepth) return PositionError(open, "expression nested too deeply");
      FL_ASSIGN_OR_RETURN(NodePtr inner, ParseOr());
      --depth_;
      if (Peek().type != Tok::kRParen) {
        return PositionError(
            Peek().pos, fmt::format("expected ')' to close '(' at position {}, found {}", open + 1,
                                    Peek().Describe()));
      }
      Next();
      return inner;
    }
    const std::string after = After();
    FL_ASSIGN_OR_RETURN(std::optional<Operand> left, ParseOperand());
    if (!left) {
      return PositionError(
          Peek().pos, fmt::format("expected a condition{}, found {}", after, Peek().Describe()));
    }
    const Token& t = Peek();
    if (t.type == Tok::kOp) {
      const Token& op = Next();
      FL_ASSIGN_OR_RETURN(std::optional<Operand> right, ParseOperand());
      if (!right) {
        return PositionError(Peek().pos, fmt::format("expected a value after '{}', found {}",
                                                     op.text, Peek().Describe()));
      }
      return BuildCompare(*left, OpFromText(op.text), *right, op.pos);
    }
    if (t.IsKeyword("IS")) {
      Next();
      const bool negated = Peek().IsKeyword("NOT");
      if (negated) Next();
      if (!Peek().IsKeyword("NULL")) {
        return PositionError(Peek().pos, fmt::format("expected NULL or NOT NULL after IS, found {}",
                                                     Peek().Describe()));
      }
      Next();
      if (!left->field) {
        return MakeConst((left->lit.kind == Literal::kNull) != negated ? kTriTrue : kTriFalse);
      }
      auto n = std::make_shared<ExprNode>();
      n->kind = ExprNode::Kind::kIsNull;
      n->negated = negated;
      n->column = ExprColumn{left->field->name, left->field->type};
      return n;
    }
    if (t.IsKeyword("IN") || (t.IsKeyword("NOT") && Peek(1).IsKeyword("IN"))) {
      const bool negated = t.IsKeyword("NOT");
      if (negated) Next();
      Next();
      return ParseInList(*left, negated);
    }
    // A lone operand: TRUE, FALSE, NULL or a boolean column.
    if (!left->field && left->lit.kind != Literal::kNumber && left->lit.kind != Literal::kString) {
      if (left->lit.kind == Literal::kNull) return MakeConst(kTriUnknown);
      return MakeConst(left->lit.boolean ? kTriTrue : kTriFalse);
    }
    if (left->field && left->field->type.kind() == TypeKind::kBoolean) {
      Operand true_lit;
      true_lit.lit.kind = Literal::kBool;
      true_lit.lit.boolean = true;
      true_lit.lit.text = "TRUE";
      true_lit.pos = left->pos;
      return BuildCompare(*left, CompareOp::kEq, true_lit, left->pos);
    }
    return PositionError(
        t.pos, fmt::format("expected an operator (=, !=, <, <=, >, >=, IN, IS) after {}, found {}",
                           toks_[i_ - 1].Describe(), t.Describe()));
  }

  // An operand, or nullopt (nothing consumed) when the next token cannot start one.
  Result<std::optional<Operand>> ParseOperand() {
    const Token& t = Peek();
    Operand o;
    o.pos = t.pos;
    o.lit.pos = t.pos;
    o.lit.text = t.text;
    switch (t.type) {
      case Tok::kString: o.lit.kind = Literal::kString; break;
      case Tok::kNumber: o.lit.kind = Literal::kNumber; break;
      case Tok::kQuotedIdent: {
        FL_ASSIGN_OR_RETURN(o.field, Lookup(t.text));
        break;
      }
      case Tok::kIdent:
        if (t.IsKeyword("NULL")) {
          o.lit.kind = Literal::kNull;
        } else if (t.IsKeyword("TRUE") || t.IsKeyword("FALSE")) {
          o.lit.kind = Literal::kBool;
          o.lit.boolean = t.IsKeyword("TRUE");
        } else if (t.IsKeyword("AND") || t.IsKeyword("OR") || t.IsKeyword("NOT") ||
                   t.IsKeyword("IN") || t.IsKeyword("IS")) {
          return std::optional<Operand>();
        } else {
          FL_ASSIGN_OR_RETURN(o.field, Lookup(t.text));
        }
        break;
      default: return std::optional<Operand>();
    }
    Next();
    return std::optional<Operand>(std::move(o));
  }

  Result<const Field*> Lookup(const std::string& name) const {
    // Spark resolves names case-insensitively; accepted when unambiguous.
    if (auto idx = schema_.ResolveFieldIndex(name)) return &schema_.field(*idx);
    std::string names;
    for (const Field& f : schema_.fields()) names += (names.empty() ? "" : ", ") + f.name;
    return Status::InvalidArgument(
        fmt::format("where: unknown column '{}' (columns: {})", name, names));
  }

  static Status CheckComparable(const Operand& o) {
    if (!o.field->type.is_nested()) return Status::OK();
    return PositionError(o.pos, fmt::format("column '{}' is {}: struct, array and map columns can "
                                            "only be tested with IS [NOT] NULL",
                                            o.field->name, o.field->type.ToString()));
  }

  Result<NodePtr> BuildCompare(const Operand& l, CompareOp op, const Operand& r, size_t op_pos) {
    if (!l.field && r.field) return BuildCompare(r, FlipOp(op), l, op_pos);
    if (!l.field) {
      FL_ASSIGN_OR_RETURN(std::optional<int> c,
                          expr_internal::CompareLiterals(l.lit, r.lit, op_pos));
      return MakeConst(!c ? kTriUnknown : OpHolds(op, *c) ? kTriTrue : kTriFalse);
    }
    FL_RETURN_NOT_OK(CheckComparable(l));
    auto n = std::make_shared<ExprNode>();
    n->op = op;
    n->column = ExprColumn{l.field->name, l.field->type};
    if (r.field) {
      FL_RETURN_NOT_OK(CheckComparable(r));
      const TypeKind a = l.field->type.kind(), b = r.field->type.kind();
      if (DomainOf(a) != DomainOf(b)) {
        return PositionError(
            op_pos, fmt::format("cannot compare {} column '{}' with {} column '{}'",
                                l.field->type.ToString(), l.field->name, r.field->type.ToString(),
                                r.field->name));
      }
      n->kind = ExprNode::Kind::kCompareColumns;
      n->right = ExprColumn{r.field->name, r.field->type};
      return n;
    }
    n->kind = ExprNode::Kind::kCompare;
    FL_ASSIGN_OR_RETURN(n->literal, CastLiteral(r.lit, *l.field));
    return n;
  }

  Result<NodePtr> ParseInList(const Operand& left, bool negated) {
    if (Peek().type != Tok::kLParen) {
      return PositionError(Peek().pos,
                           fmt::format("expected '(' after IN, found {}", Peek().Describe()));
    }
    Next();
    if (left.field) FL_RETURN_NOT_OK(CheckComparable(left));
    auto n = std::make_shared<ExprNode>();
    n->kind = ExprNode::Kind::kIn;
    n->negated = negated;
    bool any_null = false, found = false;
    while (true) {
      FL_ASSIGN_OR_RETURN(std::optional<Operand> v, ParseOperand());
      if (!v) {
        return PositionError(Peek().pos, fmt::format("expected a value in the IN list, found {}",
                                                     Peek().Describe()));
      }
      if (v->field) {
        return PositionError(
            v->pos, fmt::format("IN lists hold literals, found column '{}'", v->field->name));
      }
      if (left.field) {
        FL_ASSIGN_OR_RETURN(Value cast, CastLiteral(v->lit, *left.field));
        n->list.push_back(std::move(cast));
      } else {
        FL_ASSIGN_OR_RETURN(std::optional<int> c,
                            expr_internal::CompareLiterals(left.lit, v->lit, v->pos));
        any_null |= !c;
        found |= c && *c == 0;
      }
      const Token& sep = Next();
      if (sep.type == Tok::kRParen) break;
      if (sep.type != Tok::kComma) {
        return PositionError(
            sep.pos, fmt::format("expected ',' or ')' in the IN list, found {}", sep.Describe()));
      }
    }
    if (left.field) {
      n->column = ExprColumn{left.field->name, left.field->type};
      return n;
    }
    // A literal on the left: x IN (...) is true if found, else unknown if a null is involved.
    const uint8_t in = found ? kTriTrue : any_null ? kTriUnknown : kTriFalse;
    return MakeConst(!negated || in == kTriUnknown ? in : in == kTriTrue ? kTriFalse : kTriTrue);
  }

  std::vector<Token> toks_;
  const Schema& schema_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Expr> Expr::Parse(std::string_view text, const Schema& schema) {
  FL_ASSIGN_OR_RETURN(std::vector<Token> toks, Lex(text));
  Parser parser(std::move(toks), schema);
  FL_ASSIGN_OR_RETURN(NodePtr root, parser.ParseAll());
  return Expr(std::shared_ptr<const ExprNode>(std::move(root)));
}

}  // namespace financelake::columnar
