//! Signed, expiring file URLs: `/files/{jobId}/{path}?expires=<unix seconds>&signature=<hex>`,
//! the signature an HMAC-SHA256, under a key kept in the store, of
//! `"{jobId}/{path}\n{expires}"`. The signature is the credential: the URL works with no
//! Authorization header until it expires, and a changed job, path or expiry breaks it.

use std::fs;
use std::io::Write;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::StoreError;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks file URLs.
pub struct Signer {
    key: [u8; 32],
}

impl Signer {
    /// Reads the key at `path`, or makes a random one there (readable by the owner only).
    pub fn load_or_create(path: &Path) -> Result<Signer, StoreError> {
        let io = |source| StoreError::Io { path: path.display().to_string(), source };
        match fs::read_to_string(path) {
            Ok(text) => {
                let key = from_hex(text.trim()).filter(|k| k.len() == 32).ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "{} does not hold a 32-byte key in hex; delete it to make a new one \
                         (every URL handed out so far stops working)",
                        path.display()
                    ))
                })?;
                Ok(Signer { key: key.try_into().expect("checked length") })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key)
                    .map_err(|e| StoreError::Corrupt(format!("no random numbers: {e}")))?;
                let tmp = path.with_extension("tmp");
                {
                    let mut options = fs::OpenOptions::new();
                    options.write(true).create(true).truncate(true);
                    #[cfg(unix)]
                    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                    let mut file = options.open(&tmp).map_err(io)?;
                    file.write_all(to_hex(&key).as_bytes()).map_err(io)?;
                    file.sync_all().map_err(io)?;
                }
                fs::rename(&tmp, path).map_err(io)?;
                Ok(Signer { key })
            }
            Err(e) => Err(io(e)),
        }
    }

    /// The HMAC of `message` under the key.
    fn mac(&self, message: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(message.as_bytes());
        mac
    }

    fn sign_message(&self, message: &str) -> String {
        to_hex(&self.mac(message).finalize().into_bytes())
    }

    /// Whether `signature` is the HMAC of `message`, compared in constant time.
    fn verify_message(&self, message: &str, signature: &str) -> bool {
        match from_hex(signature) {
            Some(bytes) => self.mac(message).verify_slice(&bytes).is_ok(),
            None => false,
        }
    }

    /// The signature of a file URL.
    pub fn sign(&self, job: i64, path: &str, expires: u64) -> String {
        self.sign_message(&format!("{job}/{path}\n{expires}"))
    }

    /// Whether `signature` is this URL's, compared in constant time.
    pub fn verify(&self, job: i64, path: &str, expires: u64, signature: &str) -> bool {
        self.verify_message(&format!("{job}/{path}\n{expires}"), signature)
    }
}

/// The viewer's capability: `/viewer/{jobId}/{expires}/{until}/{signature}/…`, an HMAC of
/// `"viewer\n{jobId}\n{expires}\n{until}"` (never equal to a file URL's message, which
/// starts with the job id). The viewer's files and the job's files are readable under it
/// until `expires`; `viewer/refresh.js` under it hands out a fresh one until `until`.
impl Signer {
    /// The signature of a viewer capability.
    pub fn sign_viewer(&self, job: i64, expires: u64, until: u64) -> String {
        self.sign_message(&format!("viewer\n{job}\n{expires}\n{until}"))
    }

    /// Whether `signature` is this viewer capability's, compared in constant time.
    pub fn verify_viewer(&self, job: i64, expires: u64, until: u64, signature: &str) -> bool {
        self.verify_message(&format!("viewer\n{job}\n{expires}\n{until}"), signature)
    }
}

/// Lower-case hex.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Hex (lower case only, as [`to_hex`] writes it) back to bytes.
fn from_hex(s: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes.chunks(2).map(|p| Some(digit(p[0])? << 4 | digit(p[1])?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_only_for_its_job_path_and_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("signing-key");
        let signer = Signer::load_or_create(&key).unwrap();
        let sig = signer.sign(7, "a/page-1.png", 1000);
        assert_eq!(sig.len(), 64);
        assert!(signer.verify(7, "a/page-1.png", 1000, &sig));
        assert!(!signer.verify(8, "a/page-1.png", 1000, &sig));
        assert!(!signer.verify(7, "a/page-1.svg", 1000, &sig));
        assert!(!signer.verify(7, "a/page-1.png", 1001, &sig));
        assert!(!signer.verify(7, "a/page-1.png", 1000, &sig[..62]));
        assert!(!signer.verify(7, "a/page-1.png", 1000, &sig.to_uppercase()));
        let mut flipped = sig.clone().into_bytes();
        flipped[10] = if flipped[10] == b'0' { b'1' } else { b'0' };
        assert!(!signer.verify(7, "a/page-1.png", 1000, std::str::from_utf8(&flipped).unwrap()));
        // The key persists: a restarted server accepts the URLs it handed out.
        let again = Signer::load_or_create(&key).unwrap();
        assert!(again.verify(7, "a/page-1.png", 1000, &sig));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the key is the owner's only");
        }
        // A broken key file is an error, not a silently new key.
        std::fs::write(&key, "not hex").unwrap();
        assert!(matches!(Signer::load_or_create(&key), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn a_viewer_signature_holds_only_for_its_job_and_times_and_is_no_file_signature() {
        let dir = tempfile::tempdir().unwrap();
        let signer = Signer::load_or_create(&dir.path().join("k")).unwrap();
        let sig = signer.sign_viewer(7, 1000, 2000);
        assert!(signer.verify_viewer(7, 1000, 2000, &sig));
        assert!(!signer.verify_viewer(8, 1000, 2000, &sig));
        assert!(!signer.verify_viewer(7, 1001, 2000, &sig));
        assert!(!signer.verify_viewer(7, 1000, 2001, &sig));
        assert!(!signer.verify_viewer(7, 1000, 2000, &sig[1..]));
        // Neither kind of signature passes for the other.
        assert!(!signer.verify(7, "viewer", 1000, &sig));
        let file = signer.sign(7, "a/page-1.png", 1000);
        assert!(!signer.verify_viewer(7, 1000, 2000, &file));
    }

    #[test]
    fn hex_round_trips() {
        let bytes = [0u8, 1, 0x7f, 0x80, 0xfe, 0xff];
        assert_eq!(to_hex(&bytes), "00017f80feff");
        assert_eq!(from_hex("00017f80feff").unwrap(), bytes);
        assert_eq!(from_hex("0"), None);
        assert_eq!(from_hex("zz"), None);
    }
}
