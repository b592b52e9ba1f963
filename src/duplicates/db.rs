//! The duplicate rule's candidates, read through one index per key.

use super::{Candidate, DuplicateMatch, MatchKeys, RecordKind, find_matches};
use sqlx::SqliteConnection;

/// Candidates per key, each lookup on its own index; ?1 email, ?2/?3 phones, ?4 company,
/// ?5 last name. `find_matches` then keeps the real matches, once each. The phone indexes
/// are partial (`WHERE … IS NOT NULL`): an `IN` uses them only with that term spelled out,
/// and `+status` / `+active` keep the planner from preferring a status index (the lists' status
/// and score indexes would scan every open lead). Contacts by
/// company and last name start from the few accounts of that name, not the many contacts
/// of that last name.
const CANDIDATES: &str = "
SELECT * FROM (SELECT 'lead' AS kind, l.id, LEAD_TITLE, LEAD_KEYS FROM leads l
    WHERE l.email_normalized = ?1 AND +l.status = 'open' LIMIT 20)
UNION ALL SELECT * FROM (SELECT 'lead', l.id, LEAD_TITLE, LEAD_KEYS FROM leads l
    WHERE l.business_phone_digits IN (?2, ?3) AND l.business_phone_digits IS NOT NULL AND +l.status = 'open' LIMIT 20)
UNION ALL SELECT * FROM (SELECT 'lead', l.id, LEAD_TITLE, LEAD_KEYS FROM leads l
    WHERE l.mobile_phone_digits IN (?2, ?3) AND l.mobile_phone_digits IS NOT NULL AND +l.status = 'open' LIMIT 20)
UNION ALL SELECT * FROM (SELECT 'lead', l.id, LEAD_TITLE, LEAD_KEYS FROM leads l
    WHERE l.company_normalized = ?4 AND l.last_name_normalized = ?5 AND +l.status = 'open' LIMIT 20)
UNION ALL SELECT * FROM (SELECT 'contact', c.id, CONTACT_TITLE, CONTACT_KEYS FROM contacts c
    LEFT JOIN accounts a ON a.id = c.account_id WHERE c.email_normalized = ?1 AND c.active = 1 LIMIT 20)
UNION ALL SELECT * FROM (SELECT 'contact', c.id, CONTACT_TITLE, CONTACT_KEYS FROM contacts c
    LEFT JOIN accounts a ON a.id = c.account_id WHERE c.business_phone_digits IN (?2, ?3) AND c.business_phone_digits IS NOT NULL AND +c.active = 1 LIMIT 20)
UNION ALL SELECT * FROM (SELECT 'contact', c.id, CONTACT_TITLE, CONTACT_KEYS FROM contacts c
    LEFT JOIN accounts a ON a.id = c.account_id WHERE c.mobile_phone_digits IN (?2, ?3) AND c.mobile_phone_digits IS NOT NULL AND +c.active = 1 LIMIT 20)
UNION ALL SELECT * FROM (SELECT 'contact', c.id, CONTACT_TITLE, CONTACT_KEYS FROM accounts a
    CROSS JOIN contacts c ON c.account_id = a.id WHERE a.active = 1 AND a.name_normalized = ?4 AND c.last_name_normalized = ?5 AND c.active = 1 LIMIT 20)
UNION ALL SELECT * FROM (SELECT 'account', a.id, ACCOUNT_TITLE, ACCOUNT_KEYS FROM accounts a
    WHERE a.email_normalized = ?1 AND a.active = 1 LIMIT 20)
UNION ALL SELECT * FROM (SELECT 'account', a.id, ACCOUNT_TITLE, ACCOUNT_KEYS FROM accounts a
    WHERE a.phone_digits IN (?2, ?3) AND a.phone_digits IS NOT NULL AND +a.active = 1 LIMIT 20)
UNION ALL SELECT * FROM (SELECT 'account', a.id, ACCOUNT_TITLE, ACCOUNT_KEYS FROM accounts a
    WHERE a.active = 1 AND a.name_normalized = ?4 LIMIT 20)";

/// The candidate query, written out once.
fn candidates_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| written_out(CANDIDATES))
}

fn written_out(sql: &str) -> String {
    sql
        .replace(
            "LEAD_TITLE",
            "COALESCE(NULLIF(TRIM(COALESCE(l.first_name, '') || ' ' || COALESCE(l.last_name, '')), ''), l.company_name) AS title, \
             COALESCE(l.company_name, l.email) AS detail",
        )
        .replace(
            "LEAD_KEYS",
            "l.email_normalized AS email, l.business_phone_digits AS business_phone, \
             l.mobile_phone_digits AS mobile_phone, l.company_normalized AS company, \
             l.last_name_normalized AS last_name",
        )
        .replace(
            "CONTACT_TITLE",
            "TRIM(COALESCE(c.first_name || ' ', '') || c.last_name), COALESCE(a.name, c.email)",
        )
        .replace(
            "CONTACT_KEYS",
            "c.email_normalized, c.business_phone_digits, c.mobile_phone_digits, \
             a.name_normalized, c.last_name_normalized",
        )
        .replace("ACCOUNT_TITLE", "a.name, a.city")
        .replace(
            "ACCOUNT_KEYS",
            "a.email_normalized, a.phone_digits, NULL, a.name_normalized, NULL",
        )
}

/// The candidate query for many records at once (`k`: one row per record, numbered `n`):
/// each branch of `CANDIDATES` walks the records and looks each one up on the same index,
/// every branch once for all of them.
fn many_candidates_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let per_record = CANDIDATES
            .replace("(SELECT '", "(SELECT k.n AS record, '")
            .replace(" LIMIT 20)", ")")
            .replace(" FROM leads l", " FROM k CROSS JOIN leads l")
            .replace(" FROM contacts c", " FROM k CROSS JOIN contacts c")
            .replace(" FROM accounts a", " FROM k CROSS JOIN accounts a")
            .replace("?1", "k.email")
            .replace("?2", "k.phone_1")
            .replace("?3", "k.phone_2")
            .replace("?4", "k.company")
            .replace("?5", "k.last_name");
        written_out(&per_record)
    })
}

/// A candidate of record number `record` of a batch.
#[derive(sqlx::FromRow)]
struct NumberedCandidate {
    record: i64,
    #[sqlx(flatten)]
    candidate: Candidate,
}

/// Likely duplicates of each of many records (an import's chunk), by the same rule and
/// candidates as `find_duplicates`, in one query: one list per record, in order.
pub async fn find_duplicates_of_many(
    conn: &mut SqliteConnection,
    records: &[MatchKeys],
) -> Result<Vec<Vec<DuplicateMatch>>, sqlx::Error> {
    let mut found: Vec<Vec<Candidate>> = vec![Vec::new(); records.len()];
    let wanted: Vec<(usize, &MatchKeys)> = records
        .iter()
        .enumerate()
        .filter(|(_, keys)| !keys.is_empty())
        .collect();
    // Six values a record, well inside SQLite's limit of bound values.
    for batch in wanted.chunks(1_000) {
        let mut sql =
            sqlx::QueryBuilder::new("WITH k(n, email, phone_1, phone_2, company, last_name) AS (");
        sql.push_values(batch, |mut row, (n, keys)| {
            row.push_bind(*n as i64)
                .push_bind(&keys.email)
                .push_bind(&keys.business_phone)
                .push_bind(&keys.mobile_phone)
                .push_bind(&keys.company)
                .push_bind(&keys.last_name);
        });
        sql.push(") ").push(many_candidates_sql());
        let candidates: Vec<NumberedCandidate> = sql.build_query_as().fetch_all(&mut *conn).await?;
        for numbered in candidates {
            if let Some(list) = found.get_mut(numbered.record as usize) {
                list.push(numbered.candidate);
            }
        }
    }
    Ok(records
        .iter()
        .zip(found)
        .map(|(keys, candidates)| find_matches(keys, candidates, None))
        .collect())
}

/// Likely duplicates of a record with `keys` among open leads and active contacts and
/// accounts (see `duplicates` for the rule).
pub async fn find_duplicates(
    conn: &mut SqliteConnection,
    keys: &MatchKeys,
    exclude: Option<(RecordKind, i64)>,
) -> Result<Vec<DuplicateMatch>, sqlx::Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let candidates: Vec<Candidate> = sqlx::query_as(candidates_sql())
        .bind(&keys.email)
        .bind(&keys.business_phone)
        .bind(&keys.mobile_phone)
        .bind(&keys.company)
        .bind(&keys.last_name)
        .fetch_all(conn)
        .await?;
    Ok(find_matches(keys, candidates, exclude))
}
