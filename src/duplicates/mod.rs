//! Duplicate matching for leads, contacts and accounts.
//!
//! The rule (PRODUCT.md flow 1): two records are likely the same when they share
//! - the **normalized email**: trimmed and lower-cased, nothing else. Plus-tags
//!   (`ann+expo@example.com`) and provider dots are *not* stripped: they are real, distinct
//!   mailboxes at many providers, and guessing wrong would merge different people;
//! - a **phone number's digits** (7 or more; business or mobile, in any combination);
//! - the **company name and last name** together (both normalized: case and inner spaces
//!   ignored). For an account, its name matching the company name is enough.
//!
//! Only open leads and active contacts and accounts are candidates.

#[cfg(feature = "ssr")]
pub mod db;
pub mod warning;

use serde::{Deserialize, Serialize};

/// The comparable forms of a record's identifying fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MatchKeys {
    pub email: Option<String>,
    pub business_phone: Option<String>,
    pub mobile_phone: Option<String>,
    pub company: Option<String>,
    pub last_name: Option<String>,
}

impl MatchKeys {
    fn phones(&self) -> impl Iterator<Item = &String> {
        self.business_phone.iter().chain(self.mobile_phone.iter())
    }

    /// Whether there is anything to match on at all.
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.phones().next().is_none() && self.company.is_none()
    }
}

crate::option_set!(
    /// The kinds of record a duplicate can be.
    RecordKind { Lead => "lead", "Lead", Contact => "contact", "Contact", Account => "account", "Account" }
);

impl RecordKind {
    pub fn url(self, id: i64) -> String {
        format!("/{}s/{id}", self.code())
    }
}

crate::option_set!(
    /// Why a record is listed as a likely duplicate.
    MatchReason {
        Email => "email", "Same email",
        Phone => "phone", "Same phone",
        CompanyAndLastName => "company_last_name", "Same company and last name",
        CompanyName => "company_name", "Same company name",
    }
);

/// A record that may match, as loaded by the indexed lookups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Candidate {
    pub kind: RecordKind,
    pub id: i64,
    /// What the user recognises the record by: a person's name or the account name.
    pub title: String,
    /// A second line: company, email or city.
    pub detail: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(flatten))]
    pub keys: MatchKeys,
}

/// A likely duplicate with the reasons it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateMatch {
    pub kind: RecordKind,
    pub id: i64,
    pub title: String,
    pub detail: Option<String>,
    pub reasons: Vec<MatchReason>,
}

impl DuplicateMatch {
    /// Why it matched, as the user reads it: "Same email, Same phone".
    pub fn reasons_text(&self) -> String {
        self.reasons
            .iter()
            .map(|reason| reason.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What saving a lead, contact or account did: saved it, or stopped to show likely
/// duplicates (the user then opens one or saves anyway).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaveOutcome {
    Saved { id: i64, version: i64 },
    Duplicates(Vec<DuplicateMatch>),
}

/// Most matches worth showing; more would bury the useful ones.
pub const MAX_MATCHES: usize = 10;

/// Why `candidate` matches `keys` (empty: it does not).
pub fn match_reasons(keys: &MatchKeys, candidate: &Candidate) -> Vec<MatchReason> {
    let mut reasons = Vec::new();
    if keys.email.is_some() && keys.email == candidate.keys.email {
        reasons.push(MatchReason::Email);
    }
    if keys
        .phones()
        .any(|phone| candidate.keys.phones().any(|other| other == phone))
    {
        reasons.push(MatchReason::Phone);
    }
    if keys.company.is_some() && keys.company == candidate.keys.company {
        if candidate.kind == RecordKind::Account {
            reasons.push(MatchReason::CompanyName);
        } else if keys.last_name.is_some() && keys.last_name == candidate.keys.last_name {
            reasons.push(MatchReason::CompanyAndLastName);
        }
    }
    reasons
}

/// The candidates that really match, strongest first (more reasons, then leads, contacts,
/// accounts), each once, leaving out the record being saved.
pub fn find_matches(
    keys: &MatchKeys,
    candidates: Vec<Candidate>,
    exclude: Option<(RecordKind, i64)>,
) -> Vec<DuplicateMatch> {
    let mut matches: Vec<DuplicateMatch> = Vec::new();
    for candidate in candidates {
        if exclude == Some((candidate.kind, candidate.id))
            || matches
                .iter()
                .any(|m| (m.kind, m.id) == (candidate.kind, candidate.id))
        {
            continue;
        }
        let reasons = match_reasons(keys, &candidate);
        if !reasons.is_empty() {
            matches.push(DuplicateMatch {
                kind: candidate.kind,
                id: candidate.id,
                title: candidate.title,
                detail: candidate.detail,
                reasons,
            });
        }
    }
    matches.sort_by_key(|m| (std::cmp::Reverse(m.reasons.len()), m.kind, m.id));
    matches.truncate(MAX_MATCHES);
    matches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> MatchKeys {
        MatchKeys {
            email: Some("ann.lee@blue.example".into()),
            business_phone: Some("14255550100".into()),
            mobile_phone: None,
            company: Some("blue foods".into()),
            last_name: Some("lee".into()),
        }
    }

    fn candidate(kind: RecordKind, id: i64, keys: MatchKeys) -> Candidate {
        Candidate {
            kind,
            id,
            title: format!("{kind} {id}"),
            detail: None,
            keys,
        }
    }

    #[test]
    fn email_matches_ignore_case_but_not_plus_tags() {
        // Keys are normalized before matching: lower-cased and trimmed only.
        let same = candidate(
            RecordKind::Lead,
            1,
            MatchKeys {
                email: Some("ann.lee@blue.example".into()),
                ..MatchKeys::default()
            },
        );
        let tagged = candidate(
            RecordKind::Lead,
            2,
            MatchKeys {
                email: Some("ann.lee+expo@blue.example".into()),
                ..MatchKeys::default()
            },
        );
        assert_eq!(match_reasons(&keys(), &same), [MatchReason::Email]);
        assert!(match_reasons(&keys(), &tagged).is_empty());
    }

    #[test]
    fn a_phone_matches_across_business_and_mobile() {
        let mobile = candidate(
            RecordKind::Contact,
            1,
            MatchKeys {
                mobile_phone: Some("14255550100".into()),
                ..MatchKeys::default()
            },
        );
        assert_eq!(match_reasons(&keys(), &mobile), [MatchReason::Phone]);
    }

    #[test]
    fn company_needs_the_last_name_too_except_for_accounts() {
        let colleague = candidate(
            RecordKind::Lead,
            1,
            MatchKeys {
                company: Some("blue foods".into()),
                last_name: Some("park".into()),
                ..MatchKeys::default()
            },
        );
        let same_person = candidate(
            RecordKind::Contact,
            2,
            MatchKeys {
                company: Some("blue foods".into()),
                last_name: Some("lee".into()),
                ..MatchKeys::default()
            },
        );
        let account = candidate(
            RecordKind::Account,
            3,
            MatchKeys {
                company: Some("blue foods".into()),
                ..MatchKeys::default()
            },
        );
        assert!(match_reasons(&keys(), &colleague).is_empty());
        assert_eq!(
            match_reasons(&keys(), &same_person),
            [MatchReason::CompanyAndLastName]
        );
        assert_eq!(match_reasons(&keys(), &account), [MatchReason::CompanyName]);
    }

    #[test]
    fn matches_are_ranked_deduplicated_and_exclude_the_record_itself() {
        let strong = candidate(
            RecordKind::Account,
            7,
            MatchKeys {
                email: Some("ann.lee@blue.example".into()),
                company: Some("blue foods".into()),
                ..MatchKeys::default()
            },
        );
        let weak = candidate(
            RecordKind::Lead,
            3,
            MatchKeys {
                business_phone: Some("14255550100".into()),
                ..MatchKeys::default()
            },
        );
        let itself = candidate(RecordKind::Lead, 9, keys());
        let unrelated = candidate(RecordKind::Lead, 4, MatchKeys::default());
        let found = find_matches(
            &keys(),
            vec![weak.clone(), strong.clone(), weak, itself, unrelated],
            Some((RecordKind::Lead, 9)),
        );
        let ids: Vec<_> = found.iter().map(|m| (m.kind, m.id)).collect();
        assert_eq!(ids, [(RecordKind::Account, 7), (RecordKind::Lead, 3)]);
        assert_eq!(
            found[0].reasons,
            [MatchReason::Email, MatchReason::CompanyName]
        );
    }

    #[test]
    fn empty_keys_match_nothing() {
        assert!(MatchKeys::default().is_empty());
        let empty = candidate(RecordKind::Lead, 1, MatchKeys::default());
        assert!(match_reasons(&MatchKeys::default(), &empty).is_empty());
    }
}
