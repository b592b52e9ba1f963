//! The resources pages load their data with. The server's render hands each value to the
//! browser as JSON, as leptos' own resources do, but the browser decodes it from bytes, as it
//! decodes a server function's response: one decoder per type in the WASM, not two
//! (`serde_json::from_str` and `from_slice` each instantiate every `Deserialize` impl).

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{Serialize, de::DeserializeOwned};

/// JSON text that the browser decodes as bytes.
pub struct JsonBytesCodec;

impl<T: Serialize> Encoder<T> for JsonBytesCodec {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonBytesCodec {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(json.as_bytes())
    }
}

/// A resource loaded with a server function (or several), its value sent as JSON.
pub type Fetched<T> = Resource<T, JsonBytesCodec>;

/// `Resource::new` with this module's codec: reloads when `source` changes. (A blocking one,
/// which the page's response waits for, is `Fetched::new_with_options(source, fetcher, true)`.)
#[track_caller]
pub fn fetched<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Fetched<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Row {
        name: String,
        amount_cents: i64,
        owner: Option<String>,
    }

    #[test]
    fn what_the_server_encodes_the_browser_decodes() {
        let value: Result<Vec<Row>, String> = Ok(vec![Row {
            name: "Café \"Zoë\" — 東京".into(),
            amount_cents: 1_250_000,
            owner: None,
        }]);
        let json = <JsonBytesCodec as Encoder<_>>::encode(&value).unwrap();
        assert_eq!(
            json,
            r#"{"Ok":[{"name":"Café \"Zoë\" — 東京","amount_cents":1250000,"owner":null}]}"#
        );
        let decoded: Result<Vec<Row>, String> = JsonBytesCodec::decode(&json).unwrap();
        assert_eq!(decoded, value);
    }

    #[test]
    fn malformed_json_is_an_error_not_a_panic() {
        let decoded: Result<Row, _> = JsonBytesCodec::decode(r#"{"name":"A","amount_cents":"#);
        assert!(decoded.is_err());
    }
}
