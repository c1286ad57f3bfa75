//! The enrolment link: what the QR code on the coordinator's screen holds,
//! so a new tablet is enrolled by pointing its camera rather than typing a
//! hub address, a code and a certificate. One implementation, written by
//! the hub and read by the tablet.
//!
//! `chevet://enrol?v=1&hub=<URL>&code=<CODE>[&ca=<DER, base64url>]`
//!
//! The establishment's CA travels as DER in unpadded base64url (a P-256 CA
//! is about 700 characters: a QR code a tablet reads off a laptop screen).
//! A link carries no personal data; its code is one-time and short-lived.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// What a tablet needs to enrol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentLink {
    pub hub_url: String,
    pub code: String,
    /// The establishment's CA certificate (DER), when the hub's certificate
    /// is not from a public authority.
    pub ca_der: Option<Vec<u8>>,
}

/// Why a scanned text is not an enrolment link (no part of it is echoed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("not a Chevet enrolment link")]
    NotALink,
    #[error("enrolment link of an unknown version")]
    UnknownVersion,
    #[error("enrolment link without {0}")]
    Missing(&'static str),
    #[error("enrolment link with an unreadable {0}")]
    Unreadable(&'static str),
    #[error("enrolment link too long")]
    TooLong,
}

const SCHEME_PREFIX: &str = "chevet://enrol?";
/// Far above a real link (a CA of a few kB), far below harm.
const MAX_LINK_CHARS: usize = 8 * 1024;
const MAX_CODE_CHARS: usize = 64;

impl EnrolmentLink {
    /// The link as text, for a QR code.
    pub fn to_uri(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("v", "1").append_pair("hub", &self.hub_url).append_pair("code", &self.code);
        if let Some(der) = &self.ca_der {
            query.append_pair("ca", &URL_SAFE_NO_PAD.encode(der));
        }
        format!("{SCHEME_PREFIX}{}", query.finish())
    }

    /// Reads a scanned or pasted link; refuses anything else with its kind.
    pub fn parse(text: &str) -> Result<EnrolmentLink, LinkError> {
        let text = text.trim();
        if text.len() > MAX_LINK_CHARS {
            return Err(LinkError::TooLong);
        }
        let query = text.strip_prefix(SCHEME_PREFIX).ok_or(LinkError::NotALink)?;
        let (mut version, mut hub, mut code, mut ca) = (None, None, None, None);
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match key.as_ref() {
                "v" => &mut version,
                "hub" => &mut hub,
                "code" => &mut code,
                "ca" => &mut ca,
                _ => continue, // later versions may add fields
            };
            if slot.is_some() {
                return Err(LinkError::Unreadable(match key.as_ref() {
                    "v" => "version",
                    "hub" => "hub address",
                    "code" => "code",
                    _ => "certificate",
                }));
            }
            *slot = Some(value.into_owned());
        }
        if version.ok_or(LinkError::Missing("version"))? != "1" {
            return Err(LinkError::UnknownVersion);
        }
        let hub_url = hub.filter(|h| !h.is_empty()).ok_or(LinkError::Missing("hub address"))?;
        if hub_url.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(LinkError::Unreadable("hub address"));
        }
        let parsed = url::Url::parse(&hub_url).map_err(|_| LinkError::Unreadable("hub address"))?;
        if !matches!(parsed.scheme(), "https" | "http") || parsed.host().is_none() {
            return Err(LinkError::Unreadable("hub address"));
        }
        let code = code.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).ok_or(LinkError::Missing("code"))?;
        if code.len() > MAX_CODE_CHARS || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(LinkError::Unreadable("code"));
        }
        let ca_der = ca
            .map(|b64| URL_SAFE_NO_PAD.decode(b64.as_bytes()).map_err(|_| LinkError::Unreadable("certificate")))
            .transpose()?;
        if ca_der.as_ref().is_some_and(|der| !looks_like_der_certificate(der)) {
            return Err(LinkError::Unreadable("certificate"));
        }
        let link = EnrolmentLink { hub_url, code, ca_der };
        // What is read can be printed again as a link this reads (the text
        // given may have been shorter: raw characters the link escapes).
        if link.to_uri().len() > MAX_LINK_CHARS {
            return Err(LinkError::TooLong);
        }
        Ok(link)
    }

    /// The CA as PEM, the form the sync client takes.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_der.as_ref().map(|der| der_to_pem(der))
    }
}

/// A DER certificate as one PEM block.
pub fn der_to_pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// The DER of the first certificate of a PEM text.
pub fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
    let start = pem.find("-----BEGIN CERTIFICATE-----")? + "-----BEGIN CERTIFICATE-----".len();
    let end = start + pem[start..].find("-----END CERTIFICATE-----")?;
    let body: String = pem[start..end].chars().filter(|c| !c.is_whitespace()).collect();
    let der = STANDARD.decode(body).ok()?;
    looks_like_der_certificate(&der).then_some(der)
}

/// A DER SEQUENCE whose length covers the bytes exactly: the shape of a
/// certificate (the TLS stack checks the rest when it is used).
fn looks_like_der_certificate(der: &[u8]) -> bool {
    let [0x30, first, rest @ ..] = der else { return false };
    let (len, body) = match *first {
        n if n < 0x80 => (n as usize, rest),
        0x81 => match rest {
            [n, body @ ..] => (*n as usize, body),
            _ => return false,
        },
        0x82 => match rest {
            [hi, lo, body @ ..] => (((*hi as usize) << 8) | *lo as usize, body),
            _ => return false,
        },
        _ => return false,
    };
    len == body.len() && len > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_der(len: usize) -> Vec<u8> {
        let mut der = vec![0x30, 0x82, (len >> 8) as u8, len as u8];
        der.extend((0..len).map(|i| i as u8));
        der
    }

    #[test]
    fn a_link_goes_there_and_back() {
        let link = EnrolmentLink {
            hub_url: "https://hub.ehpad-tilleuls.fr:8443/".into(),
            code: "K7QF-2MXP".into(),
            ca_der: Some(fake_der(600)),
        };
        let uri = link.to_uri();
        assert!(uri.starts_with("chevet://enrol?v=1&hub=https%3A%2F%2Fhub.ehpad-tilleuls.fr"));
        assert_eq!(EnrolmentLink::parse(&uri).unwrap(), link);
        assert_eq!(EnrolmentLink::parse(&format!("  {uri}\n")).unwrap(), link);
        let pem = link.ca_pem().unwrap();
        assert_eq!(pem_to_der(&pem).unwrap(), link.ca_der.unwrap());
        let without = EnrolmentLink { ca_der: None, ..EnrolmentLink::parse(&uri).unwrap() };
        assert_eq!(EnrolmentLink::parse(&without.to_uri()).unwrap(), without);
    }

    #[test]
    fn anything_else_is_refused_with_its_kind() {
        let ok = "chevet://enrol?v=1&hub=https%3A%2F%2Fhub.test&code=ABCD-1234";
        assert!(EnrolmentLink::parse(ok).is_ok());
        for (text, why) in [
            ("https://hub.test/?code=ABCD", LinkError::NotALink),
            ("", LinkError::NotALink),
            ("chevet://enrol?hub=https%3A%2F%2Fhub.test&code=A", LinkError::Missing("version")),
            ("chevet://enrol?v=2&hub=https%3A%2F%2Fhub.test&code=A", LinkError::UnknownVersion),
            ("chevet://enrol?v=1&code=A", LinkError::Missing("hub address")),
            ("chevet://enrol?v=1&hub=ftp%3A%2F%2Fhub.test&code=A", LinkError::Unreadable("hub address")),
            ("chevet://enrol?v=1&hub=not%20a%20url&code=A", LinkError::Unreadable("hub address")),
            ("chevet://enrol?v=1&hub=https%3A%2F%2Fhub.test", LinkError::Missing("code")),
            ("chevet://enrol?v=1&hub=https%3A%2F%2Fhub.test&code=A%3Cscript", LinkError::Unreadable("code")),
            ("chevet://enrol?v=1&hub=https%3A%2F%2Fhub.test&code=A&code=B", LinkError::Unreadable("code")),
            ("chevet://enrol?v=1&hub=https%3A%2F%2Fhub.test&code=A&ca=%%%", LinkError::Unreadable("certificate")),
            ("chevet://enrol?v=1&hub=https%3A%2F%2Fhub.test&code=A&ca=AAAA", LinkError::Unreadable("certificate")),
        ] {
            assert_eq!(EnrolmentLink::parse(text), Err(why), "{text}");
        }
        let long = format!("{ok}&x={}", "a".repeat(MAX_LINK_CHARS));
        assert_eq!(EnrolmentLink::parse(&long), Err(LinkError::TooLong));
        // A control character in the hub's address (found by fuzzing).
        let nul = "chevet://enrol?v=1&hub=https%3A%2F%2Fhub.test%00&code=A";
        assert_eq!(EnrolmentLink::parse(nul), Err(LinkError::Unreadable("hub address")));
        // Short as given, too long once printed (raw characters the link
        // escapes, found by fuzzing): what is read always prints readable.
        let raw = format!("chevet://enrol?v=1&hub=https://hub.test/{}&code=A", "é".repeat(MAX_LINK_CHARS / 5));
        assert!(raw.len() <= MAX_LINK_CHARS);
        assert_eq!(EnrolmentLink::parse(&raw), Err(LinkError::TooLong));
        // An unknown field of a later minor change is ignored.
        assert!(EnrolmentLink::parse(&format!("{ok}&label=Chariot")).is_ok());
    }

    #[test]
    fn pem_that_is_not_a_certificate_is_refused() {
        assert_eq!(pem_to_der("nothing here"), None);
        assert_eq!(pem_to_der("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"), None);
        assert_eq!(pem_to_der("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), None);
    }
}
