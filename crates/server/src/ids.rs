//! Numeric file ids for every item: the hosted SDK reads `fileId` from every item.

use diagram_core::FileRef;
use sha2::{Digest, Sha256};

/// The `fileId` the service reports for a request item: the given `fileId`, or for a file
/// named by `fileExternalId` or `fileInstanceId` an id derived from that reference, the
/// same on every server and every run: `2^52 + (the first 8 bytes of SHA-256 of
/// "fileExternalId:" + X, or of "fileInstanceId:" + the byte length of space as 8 bytes
/// big-endian + space + externalId, read as a big-endian integer, modulo 2^52)`. It lies in [2^52, 2^53), so it is exact as a JSON
/// number in JavaScript too, and a different reference gives a different id but for a
/// hash collision (about one in 4.5e15 for a pair).
pub fn assigned_file_id(file: &FileRef) -> i64 {
    let digest = match file {
        FileRef::Id(id) => return *id,
        FileRef::ExternalId(x) => Sha256::new().chain_update(b"fileExternalId:").chain_update(x),
        FileRef::InstanceId(i) => Sha256::new()
            .chain_update(b"fileInstanceId:")
            .chain_update((i.space.len() as u64).to_be_bytes())
            .chain_update(&i.space)
            .chain_update(&i.external_id),
    }
    .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let low = u64::from_be_bytes(first) % (1 << 52);
    ((1u64 << 52) + low) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use diagram_core::InstanceId;

    #[test]
    fn given_ids_are_kept_and_others_are_stable_distinct_and_exact() {
        assert_eq!(assigned_file_id(&FileRef::Id(1234)), 1234);
        let a = assigned_file_id(&FileRef::ExternalId("PH-ME-P-0003-001.pdf".into()));
        // Pinned: the documented derivation, so ids stay the same across releases.
        assert_eq!(a, 5_904_488_717_541_500);
        let b = assigned_file_id(&FileRef::ExternalId("PH-ME-P-0004-001.pdf".into()));
        let c = assigned_file_id(&FileRef::InstanceId(InstanceId {
            space: "PH-ME-P-0003".into(),
            external_id: "001.pdf".into(),
        }));
        let d = assigned_file_id(&FileRef::InstanceId(InstanceId {
            space: "PH-ME-P-00030".into(),
            external_id: "01.pdf".into(),
        }));
        assert!(a != b && a != c && b != c && c != d);
        for id in [a, b, c, d] {
            assert!(((1 << 52)..(1 << 53)).contains(&id), "{id}");
        }
    }
}
