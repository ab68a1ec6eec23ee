//! Step templates rendered by minijinja in strict mode: a variable a contact lacks is an
//! error unless the template gives it a default (`{{ first_name | default("there") }}`).
//!
//! A template is text a marketer (or a generator) wrote, run once per contact, so it must not
//! be able to take the server's memory or time. Fuel bounds the steps one render takes and a
//! cap bounds what it writes, but minijinja has no hook for text built in memory (`~`, `+`,
//! `*`, `{% set %}…{% endset %}`, macros), so those are refused when the step is saved, and
//! only filters that cannot multiply their input are available.

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use minijinja::machinery::ast::{BinOpKind, CallArg, Expr, Stmt};
use minijinja::machinery::{Span, WhitespaceConfig};
use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, ErrorKind, UndefinedBehavior};

use super::contact::Contact;
use super::enrollment::Recipient;
use super::error::{Error, FieldError};
use super::sequence::Step;

/// Variables every contact may have; custom fields add their own names.
pub const STANDARD_VARIABLES: &[&str] = &[
    "first_name",
    "last_name",
    "full_name",
    "email",
    "company",
    "domain",
    "title",
    "sender_name",
];

/// Bounds the work one render may do, so a template cannot loop forever.
const FUEL: u64 = 50_000;

/// The most one step's subject or body may render to, in bytes (and the longest text
/// `replace` may make inside a template).
pub const MAX_RENDERED: usize = 100_000;

/// The filters a step may use: none can make its result more than a few times its input.
pub const FILTERS: &[&str] = &[
    "default",
    "d",
    "upper",
    "lower",
    "title",
    "capitalize",
    "trim",
    "replace",
    "first",
    "last",
    "length",
    "count",
    "int",
    "float",
    "abs",
    "round",
];

/// The functions a step may call (`range` is lazy and bounded by minijinja and by fuel).
const FUNCTIONS: &[&str] = &["range"];

/// What a contact brings to a template: only values that are present, so an empty first
/// name counts as missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables(BTreeMap<String, String>);

impl Variables {
    /// The variables of `contact` as it is now, signed by `sender_name`.
    pub fn of(contact: &Contact, sender_name: &str) -> Self {
        Self::of_recipient(&Recipient::of(contact), sender_name)
    }

    /// The variables of a recipient (e.g. as an enrollment pinned them), signed by
    /// `sender_name`.
    pub fn of_recipient(recipient: &Recipient, sender_name: &str) -> Self {
        let mut vars = BTreeMap::new();
        for (name, value) in &recipient.fields {
            vars.insert(name.clone(), value.clone());
        }
        let full_name = recipient.full_name();
        let standard = [
            ("first_name", recipient.first_name.as_str()),
            ("last_name", recipient.last_name.as_str()),
            ("full_name", full_name.as_str()),
            ("email", recipient.email.as_str()),
            ("company", recipient.company.as_str()),
            ("domain", recipient.domain.as_str()),
            ("title", recipient.title.as_str()),
            ("sender_name", sender_name),
        ];
        for (name, value) in standard {
            vars.insert(name.to_owned(), value.to_owned());
        }
        vars.retain(|_, v| !v.trim().is_empty());
        Self(vars)
    }

    /// Whether `name` has a value.
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Sets a variable (tests and previews).
    pub fn set(&mut self, name: &str, value: &str) {
        self.0.insert(name.to_owned(), value.to_owned());
    }
}

/// A sequence's steps, compiled once and rendered per contact.
pub struct StepTemplates {
    env: Environment<'static>,
    steps: Vec<(u32, u32)>,
    /// Per step: variables used without a default.
    required: Vec<BTreeSet<String>>,
}

fn name(index: usize, part: &str) -> String {
    format!("steps[{index}].{part}")
}

fn describe(e: &minijinja::Error) -> String {
    let what = e
        .detail()
        .map_or_else(|| e.kind().to_string(), str::to_owned);
    match e.line() {
        Some(line) => format!("template error on line {line}: {what}"),
        None => format!("template error: {what}"),
    }
}

fn refused(span: Span, what: &str) -> String {
    format!(
        "template error on line {}: {what} is not available in email templates",
        span.start_line
    )
}

const BUILDS_TEXT: &str = "; it builds text in memory: write the parts side by side";

/// Refuses what could grow without bound in memory before anything is written: the
/// operators that join or repeat text, capturing blocks, macros, includes, recursive loops,
/// and filters or functions outside [`FILTERS`] and [`FUNCTIONS`].
fn check_source(source: &str) -> Result<(), String> {
    let parsed =
        minijinja::machinery::parse(source, "step", SyntaxConfig, WhitespaceConfig::default())
            .map_err(|e| describe(&e))?;
    check_stmt(&parsed)
}

fn check_all(stmts: &[Stmt<'_>]) -> Result<(), String> {
    stmts.iter().try_for_each(check_stmt)
}

fn check_stmt(stmt: &Stmt<'_>) -> Result<(), String> {
    match stmt {
        Stmt::Template(t) => check_all(&t.children),
        Stmt::EmitExpr(e) => check_expr(&e.expr),
        Stmt::EmitRaw(_) => Ok(()),
        Stmt::ForLoop(f) if f.recursive => Err(refused(f.span(), "a recursive loop")),
        Stmt::ForLoop(f) => {
            check_expr(&f.target)?;
            check_expr(&f.iter)?;
            f.filter_expr.iter().try_for_each(check_expr)?;
            check_all(&f.body)?;
            check_all(&f.else_body)
        }
        Stmt::IfCond(i) => {
            check_expr(&i.expr)?;
            check_all(&i.true_body)?;
            check_all(&i.false_body)
        }
        Stmt::WithBlock(w) => {
            for (target, value) in &w.assignments {
                check_expr(target)?;
                check_expr(value)?;
            }
            check_all(&w.body)
        }
        Stmt::Set(s) => {
            check_expr(&s.target)?;
            check_expr(&s.expr)
        }
        Stmt::AutoEscape(a) => {
            check_expr(&a.enabled)?;
            check_all(&a.body)
        }
        Stmt::SetBlock(s) => Err(refused(s.span(), "`{% set %}…{% endset %}`")),
        Stmt::FilterBlock(f) => Err(refused(f.span(), "`{% filter %}`")),
        Stmt::Block(b) => Err(refused(b.span(), "`{% block %}`")),
        Stmt::Import(i) => Err(refused(i.span(), "`{% import %}`")),
        Stmt::FromImport(i) => Err(refused(i.span(), "`{% from %}`")),
        Stmt::Extends(e) => Err(refused(e.span(), "`{% extends %}`")),
        Stmt::Include(i) => Err(refused(i.span(), "`{% include %}`")),
        Stmt::Macro(m) => Err(refused(m.span(), "`{% macro %}`")),
        Stmt::CallBlock(c) => Err(refused(c.span(), "`{% call %}`")),
        Stmt::Do(d) => Err(refused(d.span(), "`{% do %}`")),
    }
}

fn check_args(args: &[CallArg<'_>]) -> Result<(), String> {
    args.iter().try_for_each(|arg| match arg {
        CallArg::Pos(e) | CallArg::Kwarg(_, e) | CallArg::PosSplat(e) | CallArg::KwargSplat(e) => {
            check_expr(e)
        }
    })
}

fn check_expr(expr: &Expr<'_>) -> Result<(), String> {
    match expr {
        Expr::Var(_) | Expr::Const(_) => Ok(()),
        Expr::Slice(s) => {
            check_expr(&s.expr)?;
            [&s.start, &s.stop, &s.step]
                .into_iter()
                .flatten()
                .try_for_each(check_expr)
        }
        Expr::UnaryOp(u) => check_expr(&u.expr),
        Expr::BinOp(b) => {
            let op = match b.op {
                BinOpKind::Concat => Some("`~`"),
                BinOpKind::Add => Some("`+`"),
                BinOpKind::Mul => Some("`*`"),
                _ => None,
            };
            if let Some(op) = op {
                return Err(format!("{}{BUILDS_TEXT}", refused(b.span(), op)));
            }
            check_expr(&b.left)?;
            check_expr(&b.right)
        }
        Expr::Compare(c) => {
            check_expr(&c.expr)?;
            c.ops.iter().try_for_each(|op| check_expr(&op.expr))
        }
        Expr::IfExpr(i) => {
            check_expr(&i.test_expr)?;
            check_expr(&i.true_expr)?;
            i.false_expr.iter().try_for_each(check_expr)
        }
        Expr::Filter(f) => {
            if !FILTERS.contains(&f.name) {
                return Err(format!(
                    "{} (filters: {})",
                    refused(f.span(), &format!("the filter `{}`", f.name)),
                    FILTERS.join(", ")
                ));
            }
            f.expr.iter().try_for_each(check_expr)?;
            check_args(&f.args)
        }
        Expr::Test(t) => {
            check_expr(&t.expr)?;
            check_args(&t.args)
        }
        Expr::GetAttr(g) => check_expr(&g.expr),
        Expr::GetItem(g) => {
            check_expr(&g.expr)?;
            check_expr(&g.subscript_expr)
        }
        Expr::Call(c) => match &c.expr {
            Expr::Var(v) if FUNCTIONS.contains(&v.id) => check_args(&c.args),
            _ => Err(refused(c.span(), "calling a function or method")),
        },
        Expr::List(l) => l.items.iter().try_for_each(check_expr),
        Expr::Map(m) => m.keys.iter().chain(&m.values).try_for_each(check_expr),
    }
}

/// `replace` that refuses, before building it, a result longer than [`MAX_RENDERED`].
fn bounded_replace(value: String, from: String, to: String) -> Result<String, minijinja::Error> {
    let hits = if from.is_empty() {
        value.chars().count() + 1
    } else {
        value.matches(from.as_str()).count()
    };
    let longest = value.len().saturating_add(hits.saturating_mul(to.len()));
    if longest > MAX_RENDERED {
        return Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("replace would make text longer than {MAX_RENDERED} bytes"),
        ));
    }
    Ok(value.replace(from.as_str(), &to))
}

/// Collects a render, refusing to grow past [`MAX_RENDERED`].
#[derive(Default)]
struct Capped {
    text: Vec<u8>,
    overflowed: bool,
}

impl io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.text.len() + buf.len() > MAX_RENDERED {
            self.overflowed = true;
            return Err(io::Error::other("rendered text too long"));
        }
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Renders `tmpl` with `vars` into at most [`MAX_RENDERED`] bytes.
fn render_capped<S: serde::Serialize>(
    tmpl: &minijinja::Template<'_, '_>,
    vars: S,
) -> Result<String, minijinja::Error> {
    let mut out = Capped::default();
    match tmpl.render_captured_to(vars, &mut out) {
        Ok(_) => String::from_utf8(out.text).map_err(|_| {
            minijinja::Error::new(ErrorKind::InvalidOperation, "rendered text is not UTF-8")
        }),
        Err(_) if out.overflowed => Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("renders to more than {MAX_RENDERED} bytes"),
        )),
        Err(e) => Err(e),
    }
}

impl StepTemplates {
    /// Compiles every step; a syntax error, an unknown filter or a template that fails even
    /// with every variable present is a 422 naming the step's field.
    pub fn compile(steps: &[Step]) -> Result<Self, Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        env.add_filter("replace", bounded_replace);
        let others: Vec<String> = env
            .globals()
            .map(|(global, _)| global.to_owned())
            .filter(|global| !FUNCTIONS.contains(&global.as_str()))
            .collect();
        for global in others {
            env.remove_global(&global);
        }
        let mut errors = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            for (part, source) in [("subject", &step.subject), ("body", &step.body)] {
                // Checked before minijinja compiles it: compiling folds constants, so
                // `"x" * 100000000` would be built right there.
                let added = check_source(source).and_then(|()| {
                    env.add_template_owned(name(i, part), source.clone())
                        .map_err(|e| describe(&e))
                });
                if let Err(message) = added {
                    errors.push(FieldError::new(name(i, part), message));
                }
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let mut compiled = Self {
            env,
            steps: steps.iter().map(|s| (s.index, s.day_offset)).collect(),
            required: Vec::new(),
        };
        for i in 0..steps.len() {
            let mut required = BTreeSet::new();
            for part in ["subject", "body"] {
                match compiled.required_in(&name(i, part)) {
                    Ok(vars) => required.extend(vars),
                    Err(message) => errors.push(FieldError::new(name(i, part), message)),
                }
            }
            compiled.required.push(required);
        }
        if errors.is_empty() {
            Ok(compiled)
        } else {
            Err(Error::Invalid(errors))
        }
    }

    /// The variables `template` cannot do without: it fails when each one alone is absent.
    fn required_in(&self, template: &str) -> Result<BTreeSet<String>, String> {
        let tmpl = self.env.get_template(template).map_err(|e| describe(&e))?;
        let used: BTreeSet<String> = tmpl
            .undeclared_variables(false)
            .into_iter()
            .filter(|v| !FUNCTIONS.contains(&v.as_str()))
            .collect();
        let full: BTreeMap<&str, &str> = used.iter().map(|v| (v.as_str(), "x")).collect();
        render_capped(&tmpl, &full).map_err(|e| describe(&e))?;
        let mut required = BTreeSet::new();
        for var in &used {
            let mut without = full.clone();
            without.remove(var.as_str());
            if let Err(e) = render_capped(&tmpl, &without) {
                if e.kind() == ErrorKind::UndefinedError {
                    required.insert(var.clone());
                } else {
                    return Err(describe(&e));
                }
            }
        }
        Ok(required)
    }

    /// Every variable any step uses, with or without a default: what an enrollment pins.
    pub fn used(&self) -> BTreeSet<String> {
        self.env
            .templates()
            .flat_map(|(_, t)| t.undeclared_variables(false))
            .collect()
    }

    /// Variables step `index` needs that have no default.
    pub fn required(&self, index: usize) -> &BTreeSet<String> {
        &self.required[index]
    }

    /// Per step, the required variables `vars` lacks (steps with none left out).
    pub fn missing(&self, vars: &Variables) -> Vec<(u32, Vec<String>)> {
        self.required
            .iter()
            .zip(&self.steps)
            .filter_map(|(req, (index, _))| {
                let missing: Vec<String> = req.iter().filter(|v| !vars.has(v)).cloned().collect();
                (!missing.is_empty()).then_some((*index, missing))
            })
            .collect()
    }

    fn render_one(&self, i: usize, vars: &BTreeMap<String, String>) -> Result<Step, String> {
        let (index, day_offset) = self.steps[i];
        let render = |part: &str| {
            self.env
                .get_template(&name(i, part))
                .and_then(|t| render_capped(&t, vars))
                .map_err(|e| format!("{}: {}", name(i, part), describe(&e)))
        };
        let subject = render("subject")?;
        Ok(Step {
            index,
            day_offset,
            // A header is one line, whatever a variable held.
            subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
            body: render("body")?.trim().to_owned(),
        })
    }

    fn render_with(&self, vars: &BTreeMap<String, String>) -> Result<Vec<Step>, String> {
        (0..self.steps.len())
            .map(|i| self.render_one(i, vars))
            .collect()
    }

    /// One step (0-based position) for one contact, strictly. A variable the step needs
    /// without a default and the contact lacks is named.
    pub fn render_step(&self, i: usize, vars: &Variables) -> Result<Step, String> {
        if i >= self.steps.len() {
            return Err(format!("there is no email {}", i + 1));
        }
        let missing: Vec<&str> = self.required[i]
            .iter()
            .filter(|v| !vars.has(v))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the contact has no {} (used without a default in email {})",
                missing.join(", "),
                i + 1
            ));
        }
        self.render_one(i, &vars.0)
    }

    /// Every step for one contact, strictly: a missing variable without default fails.
    pub fn render(&self, vars: &Variables) -> Result<Vec<Step>, String> {
        self.render_with(&vars.0)
    }

    /// Every step for a preview: a missing variable shows as `[missing name]` so the
    /// marketer sees where, and the warning says which.
    pub fn render_preview(&self, vars: &Variables) -> Result<Vec<Step>, String> {
        let mut filled = vars.0.clone();
        for req in &self.required {
            for v in req {
                filled
                    .entry(v.clone())
                    .or_insert_with(|| format!("[missing {v}]"));
            }
        }
        self.render_with(&filled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(index: u32, subject: &str, body: &str) -> Step {
        Step {
            index,
            day_offset: index * 3,
            subject: subject.into(),
            body: body.into(),
        }
    }

    fn vars(pairs: &[(&str, &str)]) -> Variables {
        let mut v = Variables::default();
        for (k, val) in pairs {
            v.set(k, val);
        }
        v
    }

    #[test]
    fn a_default_makes_a_variable_optional() {
        let t = StepTemplates::compile(&[step(
            0,
            "Hi {{ first_name | default(\"there\") }}",
            "{{ company }} and {{ sender_name }}",
        )])
        .unwrap();
        assert_eq!(
            t.required(0).iter().collect::<Vec<_>>(),
            ["company", "sender_name"]
        );
        let out = t
            .render(&vars(&[("company", "Acme"), ("sender_name", "Ada")]))
            .unwrap();
        assert_eq!(out[0].subject, "Hi there");
        assert_eq!(out[0].body, "Acme and Ada");
    }

    #[test]
    fn strict_rendering_fails_on_a_missing_variable_and_previews_mark_it() {
        let t = StepTemplates::compile(&[step(0, "Hello {{ first_name }}", "Body")]).unwrap();
        let v = vars(&[]);
        assert!(t.render(&v).is_err());
        assert_eq!(t.missing(&v), [(0, vec!["first_name".to_owned()])]);
        assert_eq!(
            t.render_preview(&v).unwrap()[0].subject,
            "Hello [missing first_name]"
        );
    }

    #[test]
    fn one_step_renders_alone_and_names_what_the_contact_lacks() {
        let t = StepTemplates::compile(&[
            step(0, "Hi", "Plain {{ company }}"),
            step(1, "Hello {{ first_name }}", "Body"),
        ])
        .unwrap();
        let v = vars(&[("company", "Acme")]);
        assert_eq!(t.render_step(0, &v).unwrap().body, "Plain Acme");
        assert_eq!(
            t.render_step(1, &v).unwrap_err(),
            "the contact has no first_name (used without a default in email 2)"
        );
        assert!(t.render_step(2, &v).is_err());
    }

    #[test]
    fn syntax_errors_and_unknown_filters_name_the_step() {
        let Err(Error::Invalid(fields)) =
            StepTemplates::compile(&[step(0, "ok", "fine"), step(1, "Hi {{ first_name ", "x")])
        else {
            panic!()
        };
        assert_eq!(fields[0].field, "steps[1].subject");
        assert!(fields[0].message.contains("template error"));
        let Err(Error::Invalid(fields)) =
            StepTemplates::compile(&[step(0, "ok", "{{ company | shout }}")])
        else {
            panic!()
        };
        assert_eq!(fields[0].field, "steps[0].body");
    }

    #[test]
    fn a_runaway_loop_runs_out_of_fuel() {
        let Err(Error::Invalid(fields)) = StepTemplates::compile(&[step(
            0,
            "s",
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        )]) else {
            panic!()
        };
        assert_eq!(fields[0].field, "steps[0].body");
    }

    fn refusal(body: &str) -> FieldError {
        match StepTemplates::compile(&[step(0, "s", body)]) {
            Err(Error::Invalid(mut fields)) => fields.remove(0),
            Err(other) => panic!("{body}: expected a 422, got {other}"),
            Ok(_) => panic!("{body}: expected a refusal"),
        }
    }

    #[test]
    fn templates_that_build_huge_text_in_memory_are_refused_at_once() {
        let started = std::time::Instant::now();
        for body in [
            // Doubling a 16-character string 24 times would be 256 MB.
            r#"{% set s = "0123456789abcdef" %}{% for i in range(24) %}{% set s = s ~ s %}{% endfor %}{{ s }}"#,
            r#"{% set ns = namespace(s="0123456789abcdef") %}{% for i in range(24) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"#,
            r#"{% set s = "0123456789abcdef" %}{% for i in range(24) %}{% set s = s + s %}{% endfor %}{{ s }}"#,
            r#"{{ "x" * 100000000 }}"#,
            r#"{% set s %}{% for i in range(100000) %}0123456789abcdef{% endfor %}{% endset %}{{ s }}"#,
            r#"{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% else %}{{ s }}{% endif %}{% endmacro %}{{ d("ab", 30) }}"#,
            r#"{% for x in [1] recursive %}{{ loop([x]) }}{% endfor %}"#,
            r#"{% filter upper %}{{ company }}{% endfilter %}"#,
            r#"{{ company | center(1000000000) }}"#,
            r#"{{ company | indent(1000000000) }}"#,
            r#"{{ [company] | join("x") }}"#,
            r#"{{ lipsum(100000) }}"#,
            r#"{% include "steps[0].subject" %}"#,
        ] {
            assert_eq!(refusal(body).field, "steps[0].body", "{body}");
        }
        assert!(refusal(r#"{{ "a" ~ "b" }}"#).message.contains("`~`"));
        assert!(refusal("{{ x | tojson }}").message.contains("`tojson`"));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn renders_that_grow_past_the_cap_fail_without_building_the_text() {
        let started = std::time::Instant::now();
        // Each replace multiplies by 100: the fourth would be 1.6 GB.
        let chained = format!(
            "{{{{ \"0123456789abcdef\"{} }}}}",
            r#" | replace("", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd")"#.repeat(4)
        );
        assert!(refusal(&chained).message.contains("longer than"));
        let looped = format!(
            "{{% for i in range(1000) %}}{}{{% endfor %}}",
            "0123456789".repeat(100)
        );
        let message = refusal(&looped).message;
        assert!(message.contains("more than 100000 bytes"), "{message}");
        // A range is lazy; a long one runs out of fuel, a huge one is refused by minijinja.
        assert!(
            refusal("{% for i in range(100000) %}{% endfor %}")
                .message
                .contains("fuel")
        );
        assert!(
            refusal("{% for i in range(1000000000) %}x{% endfor %}")
                .message
                .contains("range")
        );
        let t = StepTemplates::compile(&[step(0, "s", "Hi {{ company }}")]).unwrap();
        let huge = "x".repeat(MAX_RENDERED);
        assert!(t.render(&vars(&[("company", &huge)])).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn everyday_template_features_still_work() {
        let t = StepTemplates::compile(&[step(
            0,
            "{{ company | replace(\" Inc\", \"\") | trim }}",
            "{% if first_name is defined %}Hi {{ first_name | title }}{% else %}Hello{% endif %}\n\
             {% set team = company | default(\"your team\") %}{{ team | upper }}\n\
             {% for i in range(3) %}{{ loop.index }}{% endfor %} {{ 7 - 2 }}",
        )])
        .unwrap();
        let out = t
            .render(&vars(&[("first_name", "ada"), ("company", "Acme Inc")]))
            .unwrap();
        assert_eq!(out[0].subject, "Acme");
        assert_eq!(out[0].body, "Hi Ada\nACME INC\n123 5");
    }

    #[test]
    fn subjects_are_one_line() {
        let t = StepTemplates::compile(&[step(0, "{{ company }}", "b")]).unwrap();
        let out = t.render(&vars(&[("company", "Acme\r\nBcc: x@y")])).unwrap();
        assert_eq!(out[0].subject, "Acme Bcc: x@y");
    }
}
