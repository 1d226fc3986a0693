//! `job --shard K/N`: one shard of a request too large for one job, e.g. a manifest of
//! thousands of files run as a Kubernetes Indexed Job, one pod per shard.
//!
//! Shard K of N (K from 0) holds every N-th item of the request from item K, so the N
//! shards together hold every item exactly once, and a request listing files by size or
//! folder spreads them evenly. The whole request is validated first (paths name its own
//! items, `items[4123]`), with no limit on its number of items; each shard is then one
//! job and must hold at most the contract's 50 items.

use std::str::FromStr;

use diagram_core::{ConvertRequest, Limits, RequestError, Violation};

/// The environment variable a Kubernetes Indexed Job sets to each pod's index.
pub const INDEX_VARIABLE: &str = "JOB_COMPLETION_INDEX";

/// Which shard: `index` of `count`, `index` from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// From 0 to `count - 1`.
    pub index: usize,
    /// At least 1.
    pub count: usize,
}

/// `--shard`: `K/N`, or `N` alone with K from `$JOB_COMPLETION_INDEX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    /// `K/N`.
    Given(Shard),
    /// `N`: the index comes from [`INDEX_VARIABLE`].
    FromEnvironment(usize),
}

impl FromStr for ShardArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let count = |n: &str| match n.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!("{s:?}: the number of shards must be a whole number of at least 1")),
        };
        match s.split_once('/') {
            None => Ok(ShardArg::FromEnvironment(count(s)?)),
            Some((k, n)) => {
                let n = count(n)?;
                match k.parse::<usize>() {
                    Ok(k) if k < n => Ok(ShardArg::Given(Shard { index: k, count: n })),
                    _ => Err(format!("{s:?}: the shard index must be 0 to {}", n - 1)),
                }
            }
        }
    }
}

impl ShardArg {
    /// The shard, reading the index from `index_variable` (the value of
    /// [`INDEX_VARIABLE`], if set) for `--shard N`.
    pub fn resolve(self, index_variable: Option<&str>) -> Result<Shard, String> {
        match self {
            ShardArg::Given(shard) => Ok(shard),
            ShardArg::FromEnvironment(count) => {
                let Some(value) = index_variable else {
                    return Err(format!(
                        "--shard {count} takes the shard index from {INDEX_VARIABLE}, which is not \
                         set (or give it: --shard K/{count})"
                    ));
                };
                match value.trim().parse::<usize>() {
                    Ok(index) if index < count => Ok(Shard { index, count }),
                    _ => Err(format!(
                        "{INDEX_VARIABLE}={value:?} is not a shard index from 0 to {}",
                        count - 1
                    )),
                }
            }
        }
    }
}

/// The limits to validate a whole request with before it is split: the contract's, but
/// any number of items (each shard is checked against the real limit by [`split`]).
pub fn whole_request_limits() -> Limits {
    Limits { max_items: usize::MAX, ..Limits::default() }
}

/// The indices of the request items in `shard` out of `total`.
pub fn indices(total: usize, shard: Shard) -> impl Iterator<Item = usize> {
    (shard.index..total).step_by(shard.count)
}

/// Keeps the items of `shard`; refuses a shard of more than `max_items` items (or of
/// none: a job needs one), naming how many shards would do.
pub fn split(
    mut request: ConvertRequest,
    shard: Shard,
    max_items: usize,
) -> Result<ConvertRequest, RequestError> {
    let total = request.items.len();
    let keep: Vec<usize> = indices(total, shard).collect();
    let refuse = |reason: String| {
        Err(RequestError::Invalid(vec![Violation { path: "items".into(), reason }]))
    };
    if keep.is_empty() {
        return refuse(format!(
            "shard {}/{} is empty: the request has only {total} items",
            shard.index, shard.count
        ));
    }
    if keep.len() > max_items {
        return refuse(format!(
            "shard {}/{} has {} of the request's {total} items, more than {max_items}; use at \
             least {} shards",
            shard.index,
            shard.count,
            keep.len(),
            total.div_ceil(max_items)
        ));
    }
    let mut items: Vec<_> = request.items.drain(..).map(Some).collect();
    request.items = keep.into_iter().filter_map(|i| items[i].take()).collect();
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(n: usize) -> ConvertRequest {
        let items: Vec<String> =
            (0..n).map(|i| format!(r#"{{"fileId": {i}, "annotations": []}}"#)).collect();
        serde_json::from_str(&format!(r#"{{"items": [{}]}}"#, items.join(","))).unwrap()
    }

    fn ids(request: &ConvertRequest) -> Vec<i64> {
        request
            .items
            .iter()
            .map(|item| match item.file {
                diagram_core::FileRef::Id(id) => id,
                _ => unreachable!("the test request has file ids only"),
            })
            .collect()
    }

    #[test]
    fn the_shards_hold_every_item_exactly_once() {
        for total in [1, 2, 7, 50, 51, 99, 100, 1000] {
            for count in 1..=25 {
                let mut seen = vec![0u32; total];
                for index in 0..count {
                    let shard = Shard { index, count };
                    let kept: Vec<usize> = indices(total, shard).collect();
                    assert!(kept.windows(2).all(|w| w[0] < w[1]), "request order is kept");
                    let size = kept.len();
                    assert!(size == total / count || size == total / count + 1, "even sizes");
                    for i in kept {
                        seen[i] += 1;
                    }
                }
                assert!(seen.iter().all(|&n| n == 1), "{total} items in {count} shards: {seen:?}");
            }
        }
    }

    #[test]
    fn split_keeps_every_count_th_item_from_the_index() {
        let shard = split(request(10), Shard { index: 1, count: 3 }, 50).unwrap();
        assert_eq!(ids(&shard), [1, 4, 7]);
        let shard = split(request(10), Shard { index: 0, count: 1 }, 50).unwrap();
        assert_eq!(ids(&shard), (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn a_shard_past_the_item_limit_or_empty_is_refused() {
        let e = split(request(120), Shard { index: 0, count: 2 }, 50).unwrap_err();
        assert_eq!(
            e.lines(),
            ["items: shard 0/2 has 60 of the request's 120 items, more than 50; use at least 3 shards"]
        );
        assert!(split(request(120), Shard { index: 2, count: 3 }, 50).is_ok());
        let e = split(request(2), Shard { index: 2, count: 3 }, 50).unwrap_err();
        assert_eq!(e.lines(), ["items: shard 2/3 is empty: the request has only 2 items"]);
    }

    #[test]
    fn parses_k_of_n_and_n_with_the_index_from_the_environment() {
        assert_eq!("2/5".parse(), Ok(ShardArg::Given(Shard { index: 2, count: 5 })));
        assert_eq!("5".parse(), Ok(ShardArg::FromEnvironment(5)));
        for bad in ["5/5", "-1/5", "1/0", "0", "a/2", "1/b", ""] {
            assert!(bad.parse::<ShardArg>().is_err(), "{bad:?}");
        }
        let env = ShardArg::FromEnvironment(4);
        assert_eq!(env.resolve(Some("3")), Ok(Shard { index: 3, count: 4 }));
        assert!(env.resolve(Some("4")).unwrap_err().contains("JOB_COMPLETION_INDEX=\"4\""));
        assert!(env.resolve(None).unwrap_err().contains("is not set"));
        let given = ShardArg::Given(Shard { index: 1, count: 2 });
        assert_eq!(given.resolve(Some("0")), Ok(Shard { index: 1, count: 2 }), "K/N wins");
    }
}
