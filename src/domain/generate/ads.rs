//! The offline `builtin` ad copywriter: variants for one platform from the brand's name,
//! overview, USPs, markets and voice, each within the platform's limits and free of the
//! brand's `do_not_say` phrases.

use super::super::ad_platform::{AdCopy, AdPlatform, CopyField};
use super::super::brand::Brand;
use super::{first_sentence, fnv, objective_phrase};

/// What an ad copy generator is asked to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreativeBrief<'a> {
    /// Whose voice, facts and forbidden phrases.
    pub brand: &'a Brand,
    /// Where the ads run.
    pub platform: AdPlatform,
    /// What they should achieve.
    pub objective: &'a str,
    /// Where a click lands, when known.
    pub final_url: Option<&'a str>,
    /// How many variants.
    pub count: usize,
    /// Variants already written for the same ads (a regeneration's kept and replaced
    /// ones): new variants must differ from them.
    pub avoid: &'a [AdCopy],
}

/// The call to action an objective suggests on `platform` (none on Google).
fn call_to_action(platform: AdPlatform, objective: &str) -> Option<String> {
    let lower = objective.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |options: &[&str]| words.iter().any(|w| options.contains(w));
    let label = match platform {
        AdPlatform::Google => return None,
        AdPlatform::Linkedin if has(&["demo", "demos"]) => "REQUEST_DEMO",
        AdPlatform::Linkedin if has(&["webinar", "event", "register"]) => "REGISTER",
        AdPlatform::Meta if has(&["demo", "demos", "call", "meeting"]) => "BOOK_NOW",
        AdPlatform::Meta if has(&["quote", "quotes"]) => "GET_QUOTE",
        _ if has(&["download", "guide", "ebook", "report"]) => "DOWNLOAD",
        _ if has(&["sign", "signup", "trial", "join"]) => "SIGN_UP",
        _ => "LEARN_MORE",
    };
    Some(label.to_owned())
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Up to `count` distinct variants of ad copy for the brief. Every variant leads with a
/// different USP or angle; lines that would carry a forbidden phrase are never written.
pub fn builtin_ad_variants(brief: &CreativeBrief<'_>) -> Vec<AdCopy> {
    let brand = brief.brand;
    let clean = |s: String| brand.forbidden_phrases_in(&s).is_empty().then_some(s);
    let goal = objective_phrase(brief.objective);
    let usps: Vec<String> = brand
        .usps
        .iter()
        .filter_map(|u| clean(u.trim().trim_end_matches('.').to_owned()))
        .filter(|u| !u.is_empty())
        .collect();
    let market = brand
        .icp_market_segments
        .iter()
        .find_map(|m| clean(m.trim().to_owned()));
    let overview = clean(first_sentence(&brand.company_overview)).filter(|s| !s.is_empty());
    let seed = fnv(&format!(
        "{}|{}|{}",
        brand.name, brief.objective, brief.platform
    ));
    let angles: Vec<String> = if usps.is_empty() {
        overview.iter().cloned().collect()
    } else {
        usps.clone()
    };
    let cta = call_to_action(brief.platform, brief.objective);
    // Each k gives a different lead and phrasing until the brand runs out of material;
    // identical variants are dropped, so a thin brand gets fewer, never repeats.
    let mut variants: Vec<AdCopy> = Vec::new();
    for copy in (0..(brief.count + brief.avoid.len()) * 3).map(|k| {
        let lead = (!angles.is_empty()).then(|| angles[(seed as usize + k) % angles.len()].clone());
        // Every angle meets every phrasing within 3 × angles steps: when the number of
        // angles is a multiple of 3 the two would turn in step, so the phrasing shifts once
        // per round of angles.
        let rounds = angles.len().max(1);
        let phrasing = if rounds.is_multiple_of(3) {
            k + k / rounds
        } else {
            k
        };
        let invite = match phrasing % 3 {
            0 => format!("{} with {}.", capitalised(&goal), brand.name),
            1 => format!("Ready to {goal}? {} makes it simple.", brand.name),
            _ => format!("See why teams {goal} with {}.", brand.name),
        };
        let mut headlines: Vec<String> = Vec::new();
        let mut push = |h: String| {
            if let Some(h) = clean(h)
                && !headlines.iter().any(|e| e.eq_ignore_ascii_case(&h))
            {
                headlines.push(h);
            }
        };
        if let Some(l) = &lead {
            push(l.clone());
        }
        push(brand.name.clone());
        push(capitalised(&goal));
        for u in usps.iter().skip(k) {
            push(u.clone());
        }
        if let Some(m) = &market {
            push(format!("Built for {m}"));
        }
        push(format!("Try {}", brand.name));
        push("See how it works".to_owned());
        push("Get started today".to_owned());
        let mut descriptions: Vec<String> = Vec::new();
        for d in [
            lead.as_ref().map(|l| format!("{l}.")),
            overview.clone(),
            Some(invite.clone()),
            market.as_ref().map(|m| format!("Made for {m}.")),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(d) = clean(d) {
                descriptions.push(d);
            }
        }
        for fallback in [
            format!("{} is ready when you are.", brand.name),
            "Getting started takes minutes.".to_owned(),
        ] {
            if descriptions.len() < 2
                && let Some(d) = clean(fallback)
            {
                descriptions.push(d);
            }
        }
        // The overview only where it fits the recommended length: the lead and the
        // invitation are what make a variant, and a cut would lose the invitation.
        let sentences = |with_overview: bool| {
            [
                lead.as_ref().map(|l| format!("{l}.")),
                overview.clone().filter(|_| with_overview),
                Some(invite.clone()),
            ]
            .into_iter()
            .flatten()
            .filter_map(clean)
            .collect::<Vec<_>>()
            .join(" ")
        };
        let room = brief
            .platform
            .rules()
            .field(CopyField::PrimaryText)
            .and_then(|r| r.recommended_len)
            .unwrap_or(usize::MAX);
        let body = match sentences(true) {
            full if brief.platform.length(&full) <= room => full,
            _ => sentences(false),
        };
        let copy = match brief.platform {
            AdPlatform::Google => AdCopy {
                headlines,
                descriptions,
                path1: clean(
                    goal.split_whitespace()
                        .last()
                        .unwrap_or("start")
                        .to_lowercase(),
                ),
                final_url: brief.final_url.map(str::to_owned),
                ..Default::default()
            },
            AdPlatform::Linkedin | AdPlatform::Meta => AdCopy {
                headlines: headlines.into_iter().take(1).collect(),
                descriptions: match brief.platform {
                    AdPlatform::Meta => descriptions.into_iter().rev().take(1).collect(),
                    _ => Vec::new(),
                },
                primary_text: Some(body),
                call_to_action: cta.clone(),
                final_url: brief.final_url.map(str::to_owned),
                ..Default::default()
            },
        };
        fit_recommended(brief.platform, copy.repaired(brief.platform))
    }) {
        if variants.len() == brief.count {
            break;
        }
        // The landing page is not an angle: copy that differs only there is a repeat.
        let same_words = |other: &AdCopy| {
            AdCopy {
                final_url: None,
                ..other.clone()
            } == AdCopy {
                final_url: None,
                ..copy.clone()
            }
        };
        if !variants.iter().chain(brief.avoid).any(same_words) {
            variants.push(copy);
        }
    }
    variants
}

/// Generated copy aims for the recommended lengths too: a person may lengthen it.
fn fit_recommended(platform: AdPlatform, mut copy: AdCopy) -> AdCopy {
    let rules = platform.rules();
    let fit =
        |field: CopyField, text: &str| match rules.field(field).and_then(|r| r.recommended_len) {
            Some(len) => super::super::ad_platform::shorten(platform, text, len),
            None => text.to_owned(),
        };
    copy.headlines = copy
        .headlines
        .iter()
        .map(|h| fit(CopyField::Headlines, h))
        .collect();
    copy.descriptions = copy
        .descriptions
        .iter()
        .map(|d| fit(CopyField::Descriptions, d))
        .collect();
    copy.primary_text = copy
        .primary_text
        .as_deref()
        .map(|p| fit(CopyField::PrimaryText, p));
    copy
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::BrandId;
    use crate::domain::time::Timestamp;

    fn brand(do_not_say: &[&str]) -> Brand {
        let at = Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap();
        Brand {
            id: BrandId::generate(),
            name: "Tenex Freight".into(),
            company_overview: "Tenex Freight books, tracks and settles freight for mid-sized shippers in one place. It is fast.".into(),
            usps: vec![
                "Instant quotes from 400 vetted carriers".into(),
                "Live tracking on every load".into(),
                "The cheapest invoice in Europe".into(),
            ],
            icp_market_segments: vec!["operations leaders at shippers".into()],
            brand_voice: "Plain and practical".into(),
            do_not_say: do_not_say.iter().map(|s| (*s).to_owned()).collect(),
            is_default: true,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn every_variant_on_every_platform_passes_the_platform_and_the_brand() {
        let b = brand(&["cheapest"]);
        for platform in AdPlatform::ALL.iter().copied() {
            let variants = builtin_ad_variants(&CreativeBrief {
                brand: &b,
                platform,
                objective: "Book a demo",
                final_url: Some("https://tenex.example/demo"),
                count: 10,
                avoid: &[],
            });
            assert!(
                variants.len() >= 3,
                "{platform}: {} {variants:#?}",
                variants.len()
            );
            for (i, v) in variants.iter().enumerate() {
                assert!(
                    !variants[..i].contains(v),
                    "{platform}: variant {i} repeats"
                );
            }
            for v in &variants {
                let warnings = v
                    .check(platform, &b.do_not_say)
                    .unwrap_or_else(|e| panic!("{platform}: {e}\n{v:?}"));
                assert_eq!(warnings, [], "{platform} aims for the recommended lengths");
            }
        }
    }

    #[test]
    fn a_regeneration_writes_variants_it_has_not_written_before() {
        let b = brand(&[]);
        let brief = |avoid| CreativeBrief {
            brand: &b,
            platform: AdPlatform::Meta,
            objective: "Book a demo",
            final_url: None,
            count: 2,
            avoid,
        };
        let first = builtin_ad_variants(&brief(&[]));
        assert_eq!(first.len(), 2);
        let second = builtin_ad_variants(&brief(&first));
        assert_eq!(second.len(), 2);
        assert!(second.iter().all(|v| !first.contains(v)), "{second:?}");
    }

    #[test]
    fn a_brand_with_nothing_to_say_still_gets_valid_google_ads() {
        let mut b = brand(&[]);
        b.usps.clear();
        b.icp_market_segments.clear();
        b.company_overview.clear();
        let v = builtin_ad_variants(&CreativeBrief {
            brand: &b,
            platform: AdPlatform::Google,
            objective: "get a quote",
            final_url: Some("https://tenex.example"),
            count: 1,
            avoid: &[],
        });
        assert!(v[0].check(AdPlatform::Google, &[]).is_ok(), "{:?}", v[0]);
    }

    #[test]
    fn a_call_to_action_follows_whole_words_of_the_objective() {
        assert_eq!(
            call_to_action(AdPlatform::Linkedin, "Book a demo").as_deref(),
            Some("REQUEST_DEMO")
        );
        assert_eq!(
            call_to_action(AdPlatform::Meta, "Redesign your recall process").as_deref(),
            Some("LEARN_MORE")
        );
        assert_eq!(call_to_action(AdPlatform::Google, "Book a demo"), None);
    }
}
