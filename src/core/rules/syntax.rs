//! Checking a rule's syntax and finding where in the text it goes wrong.
//!
//! evalexpr builds the operator tree but is lenient: it accepts `a && && b` or `overall_score <`
//! and only fails when the tree is evaluated. So after evalexpr has parsed a rule, [`check`] walks
//! the tree and requires every operator to have all its operands. It also refuses what a rule
//! must not do: assignments (`=`, `+=`, …), statement chains (`;`) and calls of functions that
//! are not evalexpr builtins (`lead_quality "hot"` is a call of `lead_quality`: a missing `==`).
//!
//! evalexpr's errors carry no position and its tokenizer is private, so the position is found by
//! the *longest viable prefix*. The text is cut into coarse runs: a quoted string, a run of
//! operator characters (`+-*/%^=!<>&|`), one `(`, `)`, `,` or `;`, or a run of any other
//! non-space characters. A prefix ending at the end of a run is viable when it, or it followed
//! by the filler value ` 0`, each with and without the `)`s it leaves open, passes [`check`]. The
//! first run whose prefix is not viable is where the rule goes wrong, and the caret covers that
//! run. When every prefix is viable, the rule merely ends too early and the error is at its end,
//! except an unclosed `(`, which is reported at that `(`; an unknown function is reported at its
//! name. This costs a few parses per run, only when a rule does not compile; rules are short.
//! Columns count characters from the start of the expression (rules are one line).

use evalexpr::{DefaultNumericTypes, EvalexprError, Node, Operator, PartialToken, build_operator_tree};

use super::SyntaxError;

/// A parsed rule expression.
pub(crate) type Tree = Node<DefaultNumericTypes>;

/// The evalexpr builtins a rule may call (`random` is left out: a rule must be deterministic; the
/// `str::regex_*` functions are left out because evalexpr is built without its `regex` feature).
pub const FUNCTIONS: &[&str] = &[
    "len",
    "contains",
    "contains_any",
    "min",
    "max",
    "if",
    "typeof",
    "floor",
    "round",
    "ceil",
    "str::to_lowercase",
    "str::to_uppercase",
    "str::trim",
    "str::from",
    "str::substring",
    "math::abs",
    "math::ln",
    "math::log",
    "math::log2",
    "math::log10",
    "math::exp",
    "math::exp2",
    "math::pow",
    "math::sqrt",
    "math::cbrt",
    "math::hypot",
    "math::is_nan",
    "math::is_finite",
    "math::is_infinite",
    "math::is_normal",
    "math::cos",
    "math::acos",
    "math::cosh",
    "math::acosh",
    "math::sin",
    "math::asin",
    "math::sinh",
    "math::asinh",
    "math::tan",
    "math::atan",
    "math::tanh",
    "math::atanh",
    "math::atan2",
    "bitand",
    "bitor",
    "bitxor",
    "bitnot",
    "shl",
    "shr",
];

/// What is wrong with a rule, before a position is attached.
enum Problem {
    Parse(EvalexprError<DefaultNumericTypes>),
    Empty,
    MissingOperand(String),
    Assignment(String),
    Chain,
    UnknownFunction(String),
}

/// Parse and check `expression`, locating the error when there is one.
pub(crate) fn parse(expression: &str) -> Result<Tree, SyntaxError> {
    check(expression).map_err(|problem| locate(expression, problem))
}

fn check(expression: &str) -> Result<Tree, Problem> {
    let tree = build_operator_tree::<DefaultNumericTypes>(expression).map_err(Problem::Parse)?;
    if tree.children().is_empty() {
        return Err(Problem::Empty);
    }
    validate(&tree)?;
    Ok(tree)
}

/// Require every operator to have its operands; refuse assignments, chains, unknown functions.
fn validate(node: &Tree) -> Result<(), Problem> {
    use Operator::*;
    let operator = node.operator();
    let symbol = || operator.to_string().trim().to_string();
    let needed = match operator {
        // Parentheses: `()` is the empty value, so an empty group is allowed.
        RootNode => None,
        Add | Sub | Mul | Div | Mod | Exp | Eq | Neq | Gt | Lt | Geq | Leq | And | Or => Some(2),
        Neg | Not => Some(1),
        Const { .. } | VariableIdentifierRead { .. } => Some(0),
        FunctionIdentifier { identifier } if !FUNCTIONS.contains(&identifier.as_str()) => {
            return Err(Problem::UnknownFunction(identifier.clone()));
        }
        FunctionIdentifier { .. } => Some(1),
        Tuple => {
            // Each element is a group; an empty one is a missing element (`a,` or `, b`).
            if node.children().iter().any(|child| child.children().is_empty()) {
                return Err(Problem::MissingOperand(",".into()));
            }
            None
        }
        Chain => return Err(Problem::Chain),
        Assign
        | AddAssign
        | SubAssign
        | MulAssign
        | DivAssign
        | ModAssign
        | ExpAssign
        | AndAssign
        | OrAssign
        | VariableIdentifierWrite { .. } => return Err(Problem::Assignment(symbol())),
    };
    if needed.is_some_and(|n| node.children().len() < n) {
        return Err(Problem::MissingOperand(symbol()));
    }
    node.children().iter().try_for_each(validate)
}

/// A coarse token: its byte range in the expression.
#[derive(Debug, Clone, Copy)]
struct Run {
    start: usize,
    end: usize,
}

fn is_operator_char(c: char) -> bool {
    "+-*/%^=!<>&|".contains(c)
}

/// Cut the expression into runs (see the module documentation).
fn runs(expression: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut chars = expression.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut end = start + c.len_utf8();
        if c == '"' {
            let mut escaped = false;
            for (i, c) in chars.by_ref() {
                end = i + c.len_utf8();
                match c {
                    '"' if !escaped => break,
                    '\\' => escaped = !escaped,
                    _ => escaped = false,
                }
            }
        } else if !"(),;".contains(c) {
            let operator = is_operator_char(c);
            while let Some(&(i, next)) = chars.peek() {
                if next.is_whitespace() || "(),;\"".contains(next) || is_operator_char(next) != operator {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
        }
        runs.push(Run { start, end });
    }
    runs
}

/// Whether some simple completion of `prefix` passes [`check`].
fn viable(prefix: &str, open: usize) -> bool {
    let closers = ")".repeat(open);
    ["", " 0"].iter().any(|filler| {
        check(&format!("{prefix}{filler}")).is_ok()
            || (open > 0 && check(&format!("{prefix}{filler}{closers}")).is_ok())
    })
}

fn locate(expression: &str, problem: Problem) -> SyntaxError {
    let runs = runs(expression);
    let mut open: Vec<Run> = Vec::new();
    let mut bad = None;
    for run in &runs {
        match &expression[run.start..run.end] {
            "(" => open.push(*run),
            ")" => {
                open.pop();
            }
            _ => {}
        }
        if !viable(&expression[..run.end], open.len()) {
            bad = Some(*run);
            break;
        }
    }
    let unclosed = matches!(problem, Problem::Parse(EvalexprError::UnmatchedLBrace));
    let (span, at_end) = match (bad, open.last()) {
        _ if matches!(problem, Problem::Empty) => (Run { start: 0, end: 0 }, false),
        (Some(run), _) => (run, false),
        (None, Some(paren)) if unclosed => (*paren, false),
        (None, _) => (Run { start: expression.len(), end: expression.len() }, true),
    };
    // An unknown function is pointed at by its name, wherever the prefix stopped being viable.
    let span = match &problem {
        Problem::UnknownFunction(name) => runs
            .iter()
            .take_while(|run| run.start <= span.start)
            .filter(|run| expression[run.start..run.end] == *name)
            .last()
            .copied()
            .unwrap_or(span),
        _ => span,
    };
    let (message, hint) = describe(problem, &expression[span.start..span.end], at_end);
    let column = expression[..span.start].chars().count();
    let width = expression[span.start..span.end].chars().count().max(1);
    SyntaxError { column, offset: span.start, width, message, hint }
}

/// What went wrong, and what to do about it.
fn describe(problem: Problem, found: &str, at_end: bool) -> (String, String) {
    let (message, hint) = match problem {
        Problem::Empty => ("the rule is empty".into(), "write a condition, e.g. `overall_score < 70`".into()),
        Problem::MissingOperand(op) if at_end => (
            format!("the rule ends too early: `{op}` needs a value after it"),
            "complete the condition, e.g. `overall_score < 70`".into(),
        ),
        Problem::MissingOperand(op) => (
            format!("`{op}` is missing a value on one side"),
            "remove the extra operator or put a field or value next to it".into(),
        ),
        Problem::Assignment(op) => {
            (format!("`{op}` assigns a value, and a rule only reads fields"), "use `==` to compare".into())
        }
        Problem::Chain => (
            "`;` separates statements, and a rule is a single condition".into(),
            "join conditions with `&&` or `||`".into(),
        ),
        Problem::UnknownFunction(name) => (
            format!("`{name}` is used as a function, but no such function exists"),
            "put an operator such as `==` between a field and a value; the functions are len, \
             contains, contains_any, min, max, str::to_lowercase, …"
                .into(),
        ),
        Problem::Parse(error) => describe_parse(error, found),
    };
    (message, hint)
}

fn describe_parse(error: EvalexprError<DefaultNumericTypes>, found: &str) -> (String, String) {
    match error {
        EvalexprError::UnmatchedLBrace => ("this `(` is never closed".into(), "add a `)`".into()),
        EvalexprError::UnmatchedRBrace => {
            ("this `)` has no matching `(`".into(), "remove it, or add a `(` before it".into())
        }
        EvalexprError::UnmatchedDoubleQuote => {
            ("this string is never closed".into(), "add a closing `\"`".into())
        }
        EvalexprError::UnmatchedPartialToken { first: PartialToken::Ampersand, .. } => {
            ("`&` is not an operator".into(), "write `&&` for \"and\"".into())
        }
        EvalexprError::UnmatchedPartialToken { first: PartialToken::VerticalBar, .. } => {
            ("`|` is not an operator".into(), "write `||` for \"or\"".into())
        }
        EvalexprError::IllegalEscapeSequence(sequence) => (
            format!("`{sequence}` is not an escape sequence"),
            "inside a string, only `\\\"` and `\\\\` are escapes".into(),
        ),
        other => (
            if found.is_empty() {
                format!("the rule ends too early ({other})")
            } else {
                format!("unexpected `{found}`")
            },
            "an operator such as `==`, `&&` or `||`, or a value, is missing or extra here".into(),
        ),
    }
}
