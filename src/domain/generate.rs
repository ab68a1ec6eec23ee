//! Generated copy: what a generator is asked for, the offline `builtin` writer, and the
//! checks every generator's answer must pass before it is stored.

use serde::{Deserialize, Serialize};

use super::brand::Brand;
use super::sequence::{MAX_BODY, MAX_SUBJECT};

pub mod ads;
pub mod blog;

/// Longest objective the builtin writer puts in a subject.
const SUBJECT_OBJECTIVE: usize = 60;

/// What an email sequence generator is asked to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceBrief<'a> {
    /// Whose voice, facts and forbidden words.
    pub brand: &'a Brand,
    /// What the sequence should achieve.
    pub objective: &'a str,
    /// One day offset per email.
    pub cadence_days: &'a [u32],
}

/// One generated email: subject and body templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDraft {
    /// Subject template.
    pub subject: String,
    /// Plain-text body template.
    pub body: String,
}

/// Why a generator's answer cannot be used.
pub fn check_drafts(brief: &SequenceBrief<'_>, drafts: &[StepDraft]) -> Result<(), String> {
    let want = brief.cadence_days.len();
    if drafts.len() != want {
        return Err(format!("expected {want} emails, got {}", drafts.len()));
    }
    for (i, d) in drafts.iter().enumerate() {
        if d.subject.trim().is_empty() || d.body.trim().is_empty() {
            return Err(format!("email {} has an empty subject or body", i + 1));
        }
        if d.subject.chars().count() > MAX_SUBJECT || d.body.chars().count() > MAX_BODY {
            return Err(format!("email {} is too long", i + 1));
        }
        if d.subject.contains(['\r', '\n']) {
            return Err(format!("email {} has a subject of several lines", i + 1));
        }
        let hits = brief
            .brand
            .forbidden_phrases_in(&format!("{}\n{}", d.subject, d.body));
        if !hits.is_empty() {
            return Err(format!(
                "email {} uses words the brand never says: {}",
                i + 1,
                hits.join(", ")
            ));
        }
    }
    Ok(())
}

/// A stable 64-bit FNV-1a hash, so the same brief always picks the same phrasing.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Text from a brand or a brief placed inside a template: kept literal, whatever braces it
/// holds, by turning it into a template string expression.
fn literal(text: &str) -> String {
    if !(text.contains('{') || text.contains('}')) {
        return text.to_owned();
    }
    let mut quoted = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '\n' => quoted.push_str("\\n"),
            c => quoted.push(c),
        }
    }
    format!("{{{{ \"{quoted}\" }}}}")
}

#[derive(Clone, Copy)]
enum Tone {
    Formal,
    Warm,
    Plain,
}

impl Tone {
    fn of(voice: &str) -> Self {
        let v = voice.to_lowercase();
        if [
            "formal",
            "professional",
            "authoritative",
            "precise",
            "serious",
        ]
        .iter()
        .any(|w| v.contains(w))
        {
            Tone::Formal
        } else if ["friendly", "warm", "playful", "casual", "fun", "upbeat"]
            .iter()
            .any(|w| v.contains(w))
        {
            Tone::Warm
        } else {
            Tone::Plain
        }
    }

    /// Greets by first name, with a fallback for contacts without one, so generated copy
    /// never fails for a gap in the CRM.
    fn greeting(self) -> &'static str {
        match self {
            Tone::Formal => "Hello {{ first_name | default(\"there\") }},",
            Tone::Warm => "Hey {{ first_name | default(\"there\") }}!",
            Tone::Plain => "Hi {{ first_name | default(\"there\") }},",
        }
    }

    fn sign_off(self) -> &'static str {
        match self {
            Tone::Formal => "Kind regards,",
            Tone::Warm => "Cheers,",
            Tone::Plain => "Best,",
        }
    }
}

fn first_sentence(text: &str) -> String {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|(i, c)| {
            matches!(c, '.' | '!' | '?') && text[i + 1..].starts_with(char::is_whitespace)
        })
        .map_or(text.len(), |(i, _)| i + 1);
    text[..end].trim().to_owned()
}

fn objective_phrase(objective: &str) -> String {
    let o = objective.trim().trim_end_matches(['.', '!', '?']);
    let mut chars = o.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The offline, deterministic writer: brand-aware copy from the overview, the USPs, the
/// voice and the objective. Any sentence that would carry a `do_not_say` phrase is left out.
pub fn builtin_email_steps(brief: &SequenceBrief<'_>) -> Vec<StepDraft> {
    let brand = brief.brand;
    let tone = Tone::of(&brand.brand_voice);
    let seed = fnv(&format!("{}|{}", brand.name, brief.objective));
    let goal = literal(&objective_phrase(brief.objective));
    // Subjects stay short whatever the objective: a long one is said in the body only.
    let topic = if brief.objective.chars().count() <= SUBJECT_OBJECTIVE {
        goal.clone()
    } else {
        "a next step".to_owned()
    };
    let clean = |s: String| (brand.forbidden_phrases_in(&s).is_empty()).then_some(s);
    let usps: Vec<String> = brand
        .usps
        .iter()
        .filter_map(|u| clean(u.trim_end_matches('.').to_owned()))
        .collect();
    let market = brand
        .icp_market_segments
        .iter()
        .find_map(|m| clean(m.clone()));
    let overview = clean(first_sentence(&brand.company_overview)).filter(|s| !s.is_empty());
    let name = literal(&brand.name);
    let n = brief.cadence_days.len();
    (0..n)
        .map(|k| {
            let pick = |options: &[String]| options[((seed >> (k * 3)) as usize + k) % options.len()].clone();
            let usp = (!usps.is_empty()).then(|| literal(&usps[k % usps.len()]));
            let mut lines: Vec<String> = vec![tone.greeting().to_owned(), String::new()];
            let subject;
            if k == 0 {
                subject = pick(&[
                    format!("{{{{ company | default(\"Your team\") }}}} × {name}: {topic}?"),
                    "Quick idea for {{ company | default(\"your team\") }}".to_owned(),
                    format!("{name} for {{{{ company | default(\"your team\") }}}}: {topic}"),
                ]);
                if let Some(o) = &overview {
                    lines.push(literal(o));
                }
                if let Some(u) = &usp {
                    lines.push(format!("Teams like {{{{ company | default(\"yours\") }}}} choose us because: {}.", lowercase_first(u)));
                }
                lines.push(String::new());
                lines.push(pick(&[
                    format!("Would you be open to {goal}? A short reply is all it takes."),
                    format!("Could we {goal}? Tell me a day that suits you."),
                    format!("Is it worth a conversation to {goal}? Happy to work around your calendar."),
                ]));
            } else if k + 1 < n {
                subject = pick(&[
                    "One more thing for {{ company | default(\"your team\") }}".to_owned(),
                    format!("Following up: {topic}"),
                    format!("A thought on {topic}"),
                ]);
                match &usp {
                    Some(u) => lines.push(format!("Following up on my note: {}.", u)),
                    None => lines.push("Following up on my last note.".to_owned()),
                }
                if let Some(m) = &market {
                    lines.push(format!("It is what we do every day for {}.", literal(&lowercase_first(m))));
                }
                lines.push(String::new());
                lines.push(format!("If it makes sense to {goal}, just reply and I will set it up."));
            } else {
                subject = pick(&[
                    "Should I close the loop, {{ first_name | default(\"there\") }}?".to_owned(),
                    format!("Last note on {topic}"),
                    "Closing the file for {{ company | default(\"your team\") }}".to_owned(),
                ]);
                lines.push(
                    "I have not heard back, so this is my last note about this. If the timing is wrong, no problem at all."
                        .to_owned(),
                );
                if let Some(u) = &usp {
                    lines.push(format!("Whenever it is useful, remember: {}.", lowercase_first(u)));
                }
                lines.push(String::new());
                lines.push(format!("If you would still like to {goal}, a one-line reply is enough."));
            }
            lines.push(String::new());
            lines.push(tone.sign_off().to_owned());
            lines.push("{{ sender_name }}".to_owned());
            lines.push(name.clone());
            let body = lines
                .into_iter()
                .filter(|l| brand.forbidden_phrases_in(l).is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            let subject = if brand.forbidden_phrases_in(&subject).is_empty() {
                subject
            } else {
                "A quick note".to_owned()
            };
            StepDraft { subject, body }
        })
        .collect()
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if chars.clone().next().is_some_and(char::is_lowercase) => {
            c.to_lowercase().chain(chars).collect()
        }
        Some(c) => std::iter::once(c).chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::BrandId;
    use crate::domain::time::Timestamp;

    fn brand(name: &str, voice: &str, usps: &[&str], do_not_say: &[&str]) -> Brand {
        let now = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        Brand {
            id: "brd_01jd0000000000000000000000".parse::<BrandId>().unwrap(),
            name: name.into(),
            company_overview: format!("{name} moves freight across Europe. More later."),
            usps: usps.iter().map(|s| s.to_string()).collect(),
            icp_market_segments: vec!["Mid-size retailers".into()],
            brand_voice: voice.into(),
            do_not_say: do_not_say.iter().map(|s| s.to_string()).collect(),
            is_default: true,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn the_same_brief_gives_the_same_copy_and_the_right_count() {
        let b = brand("Tenex Freight", "friendly", &["Live tracking"], &[]);
        let brief = SequenceBrief {
            brand: &b,
            objective: "Book a demo",
            cadence_days: &[0, 3, 7],
        };
        let a = builtin_email_steps(&brief);
        assert_eq!(a, builtin_email_steps(&brief));
        assert_eq!(a.len(), 3);
        assert!(a[0].body.starts_with("Hey {{ first_name"));
        assert!(
            a[0].body
                .contains("Tenex Freight moves freight across Europe.")
        );
        assert!(check_drafts(&brief, &a).is_ok());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn builtin_copy_gives_every_contact_variable_a_fallback() {
        use crate::domain::sequence::Step;
        use crate::domain::template::StepTemplates;
        for voice in ["friendly", "formal and precise", "direct"] {
            let b = brand("Tenex Freight", voice, &["Live tracking"], &[]);
            let drafts = builtin_email_steps(&SequenceBrief {
                brand: &b,
                objective: "book a demo",
                cadence_days: &[0, 3, 7],
            });
            let steps: Vec<Step> = drafts
                .into_iter()
                .enumerate()
                .map(|(i, d)| Step {
                    index: i as u32,
                    day_offset: i as u32,
                    subject: d.subject,
                    body: d.body,
                })
                .collect();
            let t = StepTemplates::compile(&steps).unwrap();
            for i in 0..steps.len() {
                // Only the sender's name, which every sequence has, may be used bare.
                assert!(
                    t.required(i).iter().all(|v| v == "sender_name"),
                    "{voice}, email {}: {:?}",
                    i + 1,
                    t.required(i)
                );
            }
        }
    }

    #[test]
    fn objectives_and_brands_change_the_copy() {
        let b1 = brand("Tenex Freight", "friendly", &["Live tracking"], &[]);
        let b2 = brand("Orbit Legal", "formal and precise", &["Fixed fees"], &[]);
        let demo = builtin_email_steps(&SequenceBrief {
            brand: &b1,
            objective: "book a demo",
            cadence_days: &[0, 3],
        });
        let trial = builtin_email_steps(&SequenceBrief {
            brand: &b1,
            objective: "start a free trial",
            cadence_days: &[0, 3],
        });
        let legal = builtin_email_steps(&SequenceBrief {
            brand: &b2,
            objective: "book a demo",
            cadence_days: &[0, 3],
        });
        assert_ne!(demo, trial);
        assert!(trial[0].body.contains("start a free trial"));
        assert!(legal[0].body.starts_with("Hello "));
        assert!(legal[0].body.contains("Kind regards,"));
        assert!(legal[0].body.contains("Fixed fees") || legal[0].body.contains("fixed fees"));
    }

    #[test]
    fn never_emits_a_do_not_say_phrase() {
        let b = brand(
            "Tenex Freight",
            "plain",
            &[
                "Guaranteed next-day delivery",
                "The cheapest rates in Europe",
            ],
            &["guaranteed", "cheapest", "freight"],
        );
        for objective in [
            "book a demo",
            "get the cheapest quote",
            "guaranteed savings call",
        ] {
            let brief = SequenceBrief {
                brand: &b,
                objective,
                cadence_days: &[0, 2, 5, 9],
            };
            for d in builtin_email_steps(&brief) {
                let text = format!("{}\n{}", d.subject, d.body).to_lowercase();
                for p in ["guaranteed", "cheapest", "freight"] {
                    assert!(!text.contains(p), "{p} in {text}");
                }
            }
        }
    }

    #[test]
    fn drafts_are_checked_for_count_and_forbidden_words() {
        let b = brand("Acme", "plain", &[], &["synergy"]);
        let brief = SequenceBrief {
            brand: &b,
            objective: "talk",
            cadence_days: &[0, 3],
        };
        let one = vec![StepDraft {
            subject: "s".into(),
            body: "b".into(),
        }];
        assert!(
            check_drafts(&brief, &one)
                .unwrap_err()
                .contains("expected 2")
        );
        let bad = vec![
            one[0].clone(),
            StepDraft {
                subject: "Synergy!".into(),
                body: "b".into(),
            },
        ];
        assert!(check_drafts(&brief, &bad).unwrap_err().contains("synergy"));
    }

    #[test]
    fn objectives_with_braces_or_great_length_still_give_usable_copy() {
        let b = brand(&"Long Brand Name ".repeat(6), "plain", &["Fast"], &[]);
        for objective in [
            "talk about {{ secrets }} and {% raw %}",
            &"a very long objective ".repeat(14),
        ] {
            let brief = SequenceBrief {
                brand: &b,
                objective,
                cadence_days: &[0, 3, 7],
            };
            let drafts = builtin_email_steps(&brief);
            assert_eq!(check_drafts(&brief, &drafts), Ok(()));
        }
        let brief = SequenceBrief {
            brand: &b,
            objective: "see {{ x }}",
            cadence_days: &[0],
        };
        assert!(
            builtin_email_steps(&brief)[0]
                .body
                .contains(r#"{{ "see {{ x }}" }}"#)
        );
    }

    #[test]
    fn brand_text_with_braces_stays_literal() {
        assert_eq!(literal("a {{ b }}"), r#"{{ "a {{ b }}" }}"#);
        assert_eq!(literal(r#"say "{%" \ now"#), r#"{{ "say \"{%\" \\ now" }}"#);
        assert_eq!(literal("plain"), "plain");
    }
}
