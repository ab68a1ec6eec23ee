//! Step templates rendered by minijinja in strict mode: a variable a contact lacks is an
//! error unless the template gives it a default (`{{ first_name | default("there") }}`).

use std::collections::{BTreeMap, BTreeSet};

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

impl StepTemplates {
    /// Compiles every step; a syntax error, an unknown filter or a template that fails even
    /// with every variable present is a 422 naming the step's field.
    pub fn compile(steps: &[Step]) -> Result<Self, Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        let mut errors = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            for (part, source) in [("subject", &step.subject), ("body", &step.body)] {
                if let Err(e) = env.add_template_owned(name(i, part), source.clone()) {
                    errors.push(FieldError::new(name(i, part), describe(&e)));
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
        let used: BTreeSet<String> = tmpl.undeclared_variables(false).into_iter().collect();
        let full: BTreeMap<&str, &str> = used.iter().map(|v| (v.as_str(), "x")).collect();
        tmpl.render(&full).map_err(|e| describe(&e))?;
        let mut required = BTreeSet::new();
        for var in &used {
            let mut without = full.clone();
            without.remove(var.as_str());
            if let Err(e) = tmpl.render(&without) {
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
                .and_then(|t| t.render(vars))
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

    #[test]
    fn subjects_are_one_line() {
        let t = StepTemplates::compile(&[step(0, "{{ company }}", "b")]).unwrap();
        let out = t.render(&vars(&[("company", "Acme\r\nBcc: x@y")])).unwrap();
        assert_eq!(out[0].subject, "Acme Bcc: x@y");
    }
}
