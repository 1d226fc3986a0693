//! Files given to `convert` as a mapping: from a file id (`int`), an external id (`str`)
//! or an instance id (`(space, externalId)`) to the file's bytes or its path.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use diagram_convert::{read_file, FileResolver, ResolveError};
use diagram_core::{escape_controls, FileRef};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};

/// Where one file's bytes are.
enum Source {
    /// A Python `bytes` object, copied out (under the GIL) only when the engine reads the
    /// file, so a mapping of many files is not held twice at once.
    Bytes(Py<PyBytes>),
    /// A path, read when the engine reads the file.
    Path(PathBuf),
}

/// A [`FileResolver`] over a Python mapping, built once (under the GIL) from it.
pub(crate) struct MapResolver {
    ids: HashMap<i64, Source>,
    external: HashMap<String, Source>,
    instances: HashMap<(String, String), Source>,
    max_file_bytes: u64,
}

impl MapResolver {
    /// Reads the mapping: keys `int`, `str` or `(str, str)`, values `bytes` or a path
    /// (`str`; the Python layer turns `os.PathLike` into `str`).
    pub(crate) fn new(files: &Bound<'_, PyDict>, max_file_bytes: u64) -> PyResult<Self> {
        let mut resolver = Self {
            ids: HashMap::new(),
            external: HashMap::new(),
            instances: HashMap::new(),
            max_file_bytes,
        };
        for (key, value) in files.iter() {
            let source = if let Ok(bytes) = value.cast::<PyBytes>() {
                Source::Bytes(bytes.clone().unbind())
            } else if let Ok(path) = value.cast::<PyString>() {
                Source::Path(PathBuf::from(path.extract::<String>()?))
            } else {
                return Err(PyTypeError::new_err(format!(
                    "files[{}]: expected bytes or a path, found {}",
                    key.repr()?,
                    value.get_type().name()?
                )));
            };
            if let Ok(tuple) = key.cast::<PyTuple>() {
                let (space, external_id): (String, String) = tuple.extract()?;
                resolver.instances.insert((space, external_id), source);
            } else if let Ok(text) = key.cast::<PyString>() {
                resolver.external.insert(text.extract::<String>()?, source);
            } else if let Ok(id) = key.extract::<i64>() {
                resolver.ids.insert(id, source);
            } else {
                return Err(PyTypeError::new_err(format!(
                    "files: a key must be a file id (int), an external id (str) or a \
                     (space, externalId) tuple, found {}",
                    key.repr()?
                )));
            }
        }
        Ok(resolver)
    }

    fn source(&self, file: &FileRef) -> Option<&Source> {
        match file {
            FileRef::Id(id) => self.ids.get(id),
            FileRef::ExternalId(x) => self.external.get(x),
            FileRef::InstanceId(i) => self.instances.get(&(i.space.clone(), i.external_id.clone())),
        }
    }
}

impl FileResolver for MapResolver {
    fn resolve(&self, file: &FileRef) -> Result<Arc<[u8]>, ResolveError> {
        match self.source(file) {
            None => Err(ResolveError::NotFound {
                looked_for: format!("{} in the files mapping", escape_controls(&describe(file))),
            }),
            Some(Source::Path(path)) => read_file(path, self.max_file_bytes),
            Some(Source::Bytes(bytes)) => Python::attach(|py| {
                let bytes = bytes.bind(py).as_bytes();
                if bytes.len() as u64 > self.max_file_bytes {
                    return Err(ResolveError::TooLarge {
                        size: bytes.len() as u64,
                        limit: self.max_file_bytes,
                    });
                }
                Ok(Arc::from(bytes))
            }),
        }
    }
}

/// A reference as the mapping's key would be written in Python.
fn describe(file: &FileRef) -> String {
    match file {
        FileRef::Id(id) => format!("the key {id}"),
        FileRef::ExternalId(x) => format!("the key {x:?}"),
        FileRef::InstanceId(i) => format!("the key ({:?}, {:?})", i.space, i.external_id),
    }
}
