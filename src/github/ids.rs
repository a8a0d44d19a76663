//! Deterministic ids for natural entities, so two machines (and the Supabase mirror)
//! converge on one row: `UUIDv5(NAMESPACE, 'github:' + host + ':' + github_id)` for users and
//! `UUIDv5(NAMESPACE, host + '/' + owner/name + '#' + number)` for pull requests.

use uuid::Uuid;

/// vibe's fixed namespace for UUIDv5 ids. Never change it: ids already synced depend on it.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x6f1c2a4e_9b3d_4e8a_a7c0_3d2b1f4e5a69);

/// The `users.id` of a GitHub identity.
pub fn user_id(host: &str, github_id: i64) -> String {
    Uuid::new_v5(&NAMESPACE, format!("github:{host}:{github_id}").as_bytes()).to_string()
}

/// The `pr_records.id` of a pull request.
pub fn pr_id(host: &str, repo_full_name: &str, number: i64) -> String {
    Uuid::new_v5(&NAMESPACE, format!("{host}/{repo_full_name}#{number}").as_bytes()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(user_id("github.com", 1), user_id("github.com", 1));
        assert_ne!(user_id("github.com", 1), user_id("ghe.example.com", 1));
        assert_ne!(pr_id("github.com", "o/r", 1), pr_id("github.com", "o/r", 2));
        assert_eq!(Uuid::parse_str(&user_id("github.com", 1)).map(|u| u.get_version_num()).ok(), Some(5));
    }
}
