//! Blind indexes: look up encrypted values without decrypting every row.
//!
//! A term is normalised (lower case, French diacritics folded, ligatures
//! expanded), then hashed with keyed BLAKE3 under a key derived for that one
//! index. Name search indexes each name token and its prefixes of 3 letters
//! or more, so "dup" finds "Dupont"; the INS index holds the exact matricule.
//! Hashes are truncated to 16 bytes: collisions are harmless (the caller
//! decrypts and checks), and shorter terms leak nothing more.

use super::keys::SubKey;

/// Length of a stored blind-index term.
pub const TERM_LEN: usize = 16;
/// Shortest prefix indexed for names; shorter queries would match too much.
pub const MIN_PREFIX: usize = 3;
/// Longest prefix indexed: a longer query token is looked up by its first
/// 12 letters, and the decrypted record confirms the rest.
pub const MAX_PREFIX: usize = 12;

/// One blind index: a keyed hash over normalised terms.
#[derive(Debug, Clone)]
pub struct BlindIndex {
    key: SubKey,
}

impl BlindIndex {
    pub fn new(key: SubKey) -> Self {
        BlindIndex { key }
    }

    /// The stored form of one already-normalised term.
    pub fn term(&self, normalised: &str) -> [u8; TERM_LEN] {
        let h = blake3::keyed_hash(self.key.bytes(), normalised.as_bytes());
        let mut out = [0u8; TERM_LEN];
        out.copy_from_slice(&h.as_bytes()[..TERM_LEN]);
        out
    }

    /// Terms to store for a person's names: every token and its prefixes.
    pub fn name_terms<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Vec<[u8; TERM_LEN]> {
        let mut terms = Vec::new();
        for name in names {
            for token in tokens(name) {
                let chars: Vec<char> = token.chars().collect();
                let longest = chars.len().min(MAX_PREFIX);
                for len in MIN_PREFIX.min(chars.len())..=longest {
                    terms.push(self.term(&chars[..len].iter().collect::<String>()));
                }
            }
        }
        terms.sort_unstable();
        terms.dedup();
        terms
    }

    /// Terms a search query must all match: one per distinct query token,
    /// cut to the longest indexed prefix ("martin martin" is one term, and
    /// "abcdefghijklmn" looks up its first 12 letters).
    pub fn query_terms(&self, query: &str) -> Vec<[u8; TERM_LEN]> {
        let mut terms: Vec<_> = tokens(query)
            .filter(|t| t.chars().count() >= MIN_PREFIX)
            .map(|t| self.term(&t.chars().take(MAX_PREFIX).collect::<String>()))
            .collect();
        terms.sort_unstable();
        terms.dedup();
        terms
    }
}

/// Splits a name into normalised tokens ("Lefèvre-Dœuf" → "lefevre", "doeuf").
pub fn tokens(s: &str) -> impl Iterator<Item = String> + '_ {
    normalise(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

/// Lower case with French diacritics folded, so typing without accents finds
/// accented names.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{DataKey, KeySet};

    fn index() -> BlindIndex {
        BlindIndex::new(KeySet::derive(&DataKey::generate().unwrap()).name_index)
    }

    #[test]
    fn accents_case_and_hyphens_fold() {
        assert_eq!(normalise("Lefèvre-DŒUF Hélène"), "lefevre-doeuf helene");
        assert_eq!(tokens("Jean-Émile  d'Arc").collect::<Vec<_>>(), ["jean", "emile", "d", "arc"]);
    }

    #[test]
    fn repeated_words_and_long_prefixes_still_match() {
        let idx = index();
        let stored = idx.name_terms(["Martin", "Schwarzenberger-Martin"]);
        for q in ["martin martin", "schwarzenber", "schwarzenberg", "schwarzenberger", "MARTIN schwarzenberge"] {
            let terms = idx.query_terms(q);
            assert!(!terms.is_empty() && terms.iter().all(|t| stored.contains(t)), "{q}");
        }
        assert_eq!(idx.query_terms("martin martin").len(), 1);
    }

    #[test]
    fn prefix_query_matches_stored_name() {
        let idx = index();
        let stored = idx.name_terms(["Lefèvre", "Hélène"]);
        for q in ["lef", "LEFEVRE", "hél", "helene"] {
            let qt = idx.query_terms(q);
            assert_eq!(qt.len(), 1);
            assert!(stored.contains(&qt[0]), "query {q} should match");
        }
        assert!(!stored.contains(&idx.query_terms("lefa")[0]));
        assert!(idx.query_terms("le").is_empty());
    }

    #[test]
    fn long_tokens_match_in_full() {
        let idx = index();
        let stored = idx.name_terms(["Schwarzenbergerova"]);
        assert!(stored.contains(&idx.query_terms("schwarzenbergerova")[0]));
        assert!(stored.contains(&idx.query_terms("schwarzenber")[0]));
    }

    #[test]
    fn different_keys_give_different_terms() {
        assert_ne!(index().term("dupont"), index().term("dupont"));
    }
}
