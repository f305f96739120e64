//! Snapshot tests of derived schemas: one type per mapping or attribute, its Avro schema and JSON
//! Schema printed and compared with expect-test (`UPDATE_EXPECT=1 cargo test -p schemata-client` to
//! refresh after a deliberate change). Every Avro schema is also parsed by apache-avro.

#![allow(dead_code, reason = "the types exist for their schemas, not their values")]

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use expect_test::{Expect, expect};
use serde::{Deserialize, Serialize};

use crate::{Schema, SubjectNameStrategy};

pub(crate) mod roundtrip;

/// Prints both schemas of `T`, after checking that the Avro one parses.
fn check<T: Schema>(expect: Expect) {
    let avro = T::avro_schema();
    if let Err(err) = apache_avro_parse(&avro.to_string()) {
        panic!("derived Avro schema of {} does not parse: {err}\n{avro:#}", T::full_name());
    }
    let json = T::json_schema();
    expect.assert_eq(&format!("{}\navro: {avro:#}\njson: {json:#}\n", T::full_name()));
}

fn apache_avro_parse(text: &str) -> Result<(), String> {
    schemata_core::Schema::parse(schemata_core::SchemaType::Avro, text)
        .map(drop)
        .map_err(|err| err.to_string())
}

/// Every derived type of this file, for tests that go over all of them (fastavro interop).
pub(crate) fn all_avro_schemas() -> Vec<(&'static str, &'static serde_json::Value)> {
    macro_rules! all {
        ($($ty:ty),* $(,)?) => { vec![$((<$ty as Schema>::full_name(), <$ty as Schema>::avro_schema())),*] };
    }
    all![
        Primitives,
        Bytes,
        Borrowed<'static>,
        Tagged,
        Optionals,
        Collections,
        Boxed,
        Order,
        Tree,
        Color,
        Status,
        Currency,
        Payment,
        Shape,
        MaybeShape,
        OrderId,
        Wrapped,
        Transparent,
        WideIntegers,
        Ids,
        Chrono,
        Time,
        Money,
        Annotated,
        Renamed,
        CamelCase,
        PascalFields,
        Skipped,
        Defaults,
        ContainerDefault,
        Flattened,
        Documented,
        Closed,
        Aliased,
        EnumFields,
        RawIdent,
        NoNamespace,
        CrateNamespace,
        TwoFixed,
        EnumTwice,
        NestedOptions,
        RecordMap,
        SerdeRenamedType,
        VariantRenames,
        Linked,
    ]
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Primitives {
    flag: bool,
    tiny: i8,
    small: i16,
    int: i32,
    long: i64,
    byte: u8,
    word: u16,
    // u32 widens to long.
    dword: u32,
    ratio: f32,
    precise: f64,
    text: String,
    letter: char,
    size: isize,
}

#[test]
fn primitives() {
    check::<Primitives>(expect![[r#"
        com.acme.test.Primitives
        avro: {
          "type": "record",
          "name": "Primitives",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "flag",
              "type": "boolean"
            },
            {
              "name": "tiny",
              "type": "int"
            },
            {
              "name": "small",
              "type": "int"
            },
            {
              "name": "int",
              "type": "int"
            },
            {
              "name": "long",
              "type": "long"
            },
            {
              "name": "byte",
              "type": "int"
            },
            {
              "name": "word",
              "type": "int"
            },
            {
              "name": "dword",
              "type": "long"
            },
            {
              "name": "ratio",
              "type": "float"
            },
            {
              "name": "precise",
              "type": "double"
            },
            {
              "name": "text",
              "type": "string"
            },
            {
              "name": "letter",
              "type": "string"
            },
            {
              "name": "size",
              "type": "long"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Primitives",
          "properties": {
            "flag": {
              "type": "boolean"
            },
            "tiny": {
              "type": "integer",
              "minimum": -128,
              "maximum": 127
            },
            "small": {
              "type": "integer",
              "minimum": -32768,
              "maximum": 32767
            },
            "int": {
              "type": "integer",
              "minimum": -2147483648,
              "maximum": 2147483647
            },
            "long": {
              "type": "integer"
            },
            "byte": {
              "type": "integer",
              "minimum": 0,
              "maximum": 255
            },
            "word": {
              "type": "integer",
              "minimum": 0,
              "maximum": 65535
            },
            "dword": {
              "type": "integer",
              "minimum": 0,
              "maximum": 4294967295
            },
            "ratio": {
              "type": "number"
            },
            "precise": {
              "type": "number"
            },
            "text": {
              "type": "string"
            },
            "letter": {
              "type": "string",
              "minLength": 1,
              "maxLength": 1
            },
            "size": {
              "type": "integer"
            }
          },
          "required": [
            "flag",
            "tiny",
            "small",
            "int",
            "long",
            "byte",
            "word",
            "dword",
            "ratio",
            "precise",
            "text",
            "letter",
            "size"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Bytes {
    payload: Vec<u8>,
    digest: [u8; 16],
    #[schemata(fixed_name = "Sha256")]
    sha: [u8; 32],
}

#[test]
fn bytes() {
    check::<Bytes>(expect![[r#"
        com.acme.test.Bytes
        avro: {
          "type": "record",
          "name": "Bytes",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "payload",
              "type": "bytes"
            },
            {
              "name": "digest",
              "type": {
                "type": "fixed",
                "name": "fixed_16",
                "namespace": "com.acme.test",
                "size": 16
              }
            },
            {
              "name": "sha",
              "type": {
                "type": "fixed",
                "name": "Sha256",
                "namespace": "com.acme.test",
                "size": 32
              }
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Bytes",
          "properties": {
            "payload": {
              "type": "array",
              "items": {
                "type": "integer",
                "minimum": 0,
                "maximum": 255
              }
            },
            "digest": {
              "type": "array",
              "items": {
                "type": "integer",
                "minimum": 0,
                "maximum": 255
              },
              "minItems": 16,
              "maxItems": 16
            },
            "sha": {
              "type": "array",
              "items": {
                "type": "integer",
                "minimum": 0,
                "maximum": 255
              },
              "minItems": 32,
              "maxItems": 32
            }
          },
          "required": [
            "payload",
            "digest",
            "sha"
          ]
        }
    "#]]);
}

#[derive(Serialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Borrowed<'a> {
    name: &'a str,
    raw: &'a [u8],
    cow: Cow<'a, str>,
}

#[test]
fn borrowed() {
    check::<Borrowed<'_>>(expect![[r#"
        com.acme.test.Borrowed
        avro: {
          "type": "record",
          "name": "Borrowed",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "name",
              "type": "string"
            },
            {
              "name": "raw",
              "type": "bytes"
            },
            {
              "name": "cow",
              "type": "string"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Borrowed",
          "properties": {
            "name": {
              "type": "string"
            },
            "raw": {
              "type": "array",
              "items": {
                "type": "integer",
                "minimum": 0,
                "maximum": 255
              }
            },
            "cow": {
              "type": "string"
            }
          },
          "required": [
            "name",
            "raw",
            "cow"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Optionals {
    nickname: Option<String>,
    scores: Option<Vec<i32>>,
    nested: Option<Primitives>,
}

#[test]
fn optionals() {
    check::<Optionals>(expect![[r##"
        com.acme.test.Optionals
        avro: {
          "type": "record",
          "name": "Optionals",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "nickname",
              "type": [
                "null",
                "string"
              ],
              "default": null
            },
            {
              "name": "scores",
              "type": [
                "null",
                {
                  "type": "array",
                  "items": "int"
                }
              ],
              "default": null
            },
            {
              "name": "nested",
              "type": [
                "null",
                {
                  "type": "record",
                  "name": "Primitives",
                  "namespace": "com.acme.test",
                  "fields": [
                    {
                      "name": "flag",
                      "type": "boolean"
                    },
                    {
                      "name": "tiny",
                      "type": "int"
                    },
                    {
                      "name": "small",
                      "type": "int"
                    },
                    {
                      "name": "int",
                      "type": "int"
                    },
                    {
                      "name": "long",
                      "type": "long"
                    },
                    {
                      "name": "byte",
                      "type": "int"
                    },
                    {
                      "name": "word",
                      "type": "int"
                    },
                    {
                      "name": "dword",
                      "type": "long"
                    },
                    {
                      "name": "ratio",
                      "type": "float"
                    },
                    {
                      "name": "precise",
                      "type": "double"
                    },
                    {
                      "name": "text",
                      "type": "string"
                    },
                    {
                      "name": "letter",
                      "type": "string"
                    },
                    {
                      "name": "size",
                      "type": "long"
                    }
                  ]
                }
              ],
              "default": null
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Optionals",
          "properties": {
            "nickname": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "type": "string"
                }
              ]
            },
            "scores": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "type": "array",
                  "items": {
                    "type": "integer",
                    "minimum": -2147483648,
                    "maximum": 2147483647
                  }
                }
              ]
            },
            "nested": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "$ref": "#/definitions/com.acme.test.Primitives"
                }
              ]
            }
          },
          "definitions": {
            "com.acme.test.Primitives": {
              "type": "object",
              "title": "Primitives",
              "properties": {
                "flag": {
                  "type": "boolean"
                },
                "tiny": {
                  "type": "integer",
                  "minimum": -128,
                  "maximum": 127
                },
                "small": {
                  "type": "integer",
                  "minimum": -32768,
                  "maximum": 32767
                },
                "int": {
                  "type": "integer",
                  "minimum": -2147483648,
                  "maximum": 2147483647
                },
                "long": {
                  "type": "integer"
                },
                "byte": {
                  "type": "integer",
                  "minimum": 0,
                  "maximum": 255
                },
                "word": {
                  "type": "integer",
                  "minimum": 0,
                  "maximum": 65535
                },
                "dword": {
                  "type": "integer",
                  "minimum": 0,
                  "maximum": 4294967295
                },
                "ratio": {
                  "type": "number"
                },
                "precise": {
                  "type": "number"
                },
                "text": {
                  "type": "string"
                },
                "letter": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 1
                },
                "size": {
                  "type": "integer"
                }
              },
              "required": [
                "flag",
                "tiny",
                "small",
                "int",
                "long",
                "byte",
                "word",
                "dword",
                "ratio",
                "precise",
                "text",
                "letter",
                "size"
              ]
            }
          }
        }
    "##]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Collections {
    tags: Vec<String>,
    counts: HashMap<String, i64>,
    buckets: BTreeMap<String, Vec<i32>>,
    unique: HashSet<String>,
}

#[test]
fn collections() {
    check::<Collections>(expect![[r#"
        com.acme.test.Collections
        avro: {
          "type": "record",
          "name": "Collections",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "tags",
              "type": {
                "type": "array",
                "items": "string"
              }
            },
            {
              "name": "counts",
              "type": {
                "type": "map",
                "values": "long"
              }
            },
            {
              "name": "buckets",
              "type": {
                "type": "map",
                "values": {
                  "type": "array",
                  "items": "int"
                }
              }
            },
            {
              "name": "unique",
              "type": {
                "type": "array",
                "items": "string"
              }
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Collections",
          "properties": {
            "tags": {
              "type": "array",
              "items": {
                "type": "string"
              }
            },
            "counts": {
              "type": "object",
              "additionalProperties": {
                "type": "integer"
              }
            },
            "buckets": {
              "type": "object",
              "additionalProperties": {
                "type": "array",
                "items": {
                  "type": "integer",
                  "minimum": -2147483648,
                  "maximum": 2147483647
                }
              }
            },
            "unique": {
              "type": "array",
              "items": {
                "type": "string"
              }
            }
          },
          "required": [
            "tags",
            "counts",
            "buckets",
            "unique"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Boxed {
    inner: Box<Color>,
    many: Option<Box<i64>>,
}

#[test]
fn boxed() {
    check::<Boxed>(expect![[r##"
        com.acme.test.Boxed
        avro: {
          "type": "record",
          "name": "Boxed",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "inner",
              "type": {
                "type": "enum",
                "name": "Color",
                "namespace": "com.acme.test",
                "symbols": [
                  "Red",
                  "Green",
                  "Blue"
                ]
              }
            },
            {
              "name": "many",
              "type": [
                "null",
                "long"
              ],
              "default": null
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Boxed",
          "properties": {
            "inner": {
              "$ref": "#/definitions/com.acme.test.Color"
            },
            "many": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "type": "integer"
                }
              ]
            }
          },
          "required": [
            "inner"
          ],
          "definitions": {
            "com.acme.test.Color": {
              "type": "string",
              "title": "Color",
              "enum": [
                "Red",
                "Green",
                "Blue"
              ]
            }
          }
        }
    "##]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.orders")]
struct Address {
    street: String,
    city: String,
}

/// A nested type used twice: defined at its first use, referred to by name at the second.
#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.orders")]
struct Order {
    id: String,
    shipping: Address,
    billing: Address,
}

#[test]
fn nested_defined_once() {
    check::<Order>(expect![[r##"
        com.acme.orders.Order
        avro: {
          "type": "record",
          "name": "Order",
          "namespace": "com.acme.orders",
          "doc": "A nested type used twice: defined at its first use, referred to by name at the second.",
          "fields": [
            {
              "name": "id",
              "type": "string"
            },
            {
              "name": "shipping",
              "type": {
                "type": "record",
                "name": "Address",
                "namespace": "com.acme.orders",
                "fields": [
                  {
                    "name": "street",
                    "type": "string"
                  },
                  {
                    "name": "city",
                    "type": "string"
                  }
                ]
              }
            },
            {
              "name": "billing",
              "type": "com.acme.orders.Address"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Order",
          "description": "A nested type used twice: defined at its first use, referred to by name at the second.",
          "properties": {
            "id": {
              "type": "string"
            },
            "shipping": {
              "$ref": "#/definitions/com.acme.orders.Address"
            },
            "billing": {
              "$ref": "#/definitions/com.acme.orders.Address"
            }
          },
          "required": [
            "id",
            "shipping",
            "billing"
          ],
          "definitions": {
            "com.acme.orders.Address": {
              "type": "object",
              "title": "Address",
              "properties": {
                "street": {
                  "type": "string"
                },
                "city": {
                  "type": "string"
                }
              },
              "required": [
                "street",
                "city"
              ]
            }
          }
        }
    "##]]);
}

/// A recursive type: the inner reference is by name.
#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Tree {
    value: i64,
    children: Vec<Tree>,
}

#[test]
fn recursive() {
    check::<Tree>(expect![[r##"
        com.acme.test.Tree
        avro: {
          "type": "record",
          "name": "Tree",
          "namespace": "com.acme.test",
          "doc": "A recursive type: the inner reference is by name.",
          "fields": [
            {
              "name": "value",
              "type": "long"
            },
            {
              "name": "children",
              "type": {
                "type": "array",
                "items": "com.acme.test.Tree"
              }
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Tree",
          "description": "A recursive type: the inner reference is by name.",
          "properties": {
            "value": {
              "type": "integer"
            },
            "children": {
              "type": "array",
              "items": {
                "$ref": "#"
              }
            }
          },
          "required": [
            "value",
            "children"
          ]
        }
    "##]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Linked {
    value: i32,
    next: Option<Box<Linked>>,
}

#[test]
fn recursive_through_option() {
    check::<Linked>(expect![[r##"
        com.acme.test.Linked
        avro: {
          "type": "record",
          "name": "Linked",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "value",
              "type": "int"
            },
            {
              "name": "next",
              "type": [
                "null",
                "com.acme.test.Linked"
              ],
              "default": null
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Linked",
          "properties": {
            "value": {
              "type": "integer",
              "minimum": -2147483648,
              "maximum": 2147483647
            },
            "next": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "$ref": "#"
                }
              ]
            }
          },
          "required": [
            "value"
          ]
        }
    "##]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
enum Color {
    Red,
    Green,
    Blue,
}

#[test]
fn unit_enum() {
    check::<Color>(expect![[r#"
        com.acme.test.Color
        avro: {
          "type": "enum",
          "name": "Color",
          "namespace": "com.acme.test",
          "symbols": [
            "Red",
            "Green",
            "Blue"
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "string",
          "title": "Color",
          "enum": [
            "Red",
            "Green",
            "Blue"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Status {
    InStock,
    OutOfStock,
    #[serde(rename = "GONE")]
    Discontinued,
    #[serde(skip)]
    Internal,
}

/// Readers that meet a symbol they do not know read the default instead.
#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
enum Currency {
    Eur,
    Usd,
    #[schemata(default)]
    Other,
}

#[test]
fn unit_enum_default() {
    check::<Currency>(expect![[r#"
        com.acme.test.Currency
        avro: {
          "type": "enum",
          "name": "Currency",
          "namespace": "com.acme.test",
          "doc": "Readers that meet a symbol they do not know read the default instead.",
          "symbols": [
            "Eur",
            "Usd",
            "Other"
          ],
          "default": "Other"
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "string",
          "title": "Currency",
          "description": "Readers that meet a symbol they do not know read the default instead.",
          "enum": [
            "Eur",
            "Usd",
            "Other"
          ]
        }
    "#]]);
}

#[test]
fn unit_enum_renamed() {
    check::<Status>(expect![[r#"
        com.acme.test.Status
        avro: {
          "type": "enum",
          "name": "Status",
          "namespace": "com.acme.test",
          "symbols": [
            "IN_STOCK",
            "OUT_OF_STOCK",
            "GONE"
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "string",
          "title": "Status",
          "enum": [
            "IN_STOCK",
            "OUT_OF_STOCK",
            "GONE"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.payments")]
struct Card {
    last4: String,
}

/// External tagging (serde's default): one union branch per variant, in declaration order.
#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.payments")]
enum Payment {
    Cash,
    Card(Card),
    Transfer { iban: String, reference: Option<String> },
}

#[test]
fn data_enum_external() {
    check::<Payment>(expect![[r##"
        com.acme.payments.Payment
        avro: [
          {
            "type": "record",
            "name": "Cash",
            "namespace": "com.acme.payments",
            "fields": []
          },
          {
            "type": "record",
            "name": "Card",
            "namespace": "com.acme.payments",
            "fields": [
              {
                "name": "last4",
                "type": "string"
              }
            ]
          },
          {
            "type": "record",
            "name": "Transfer",
            "namespace": "com.acme.payments",
            "fields": [
              {
                "name": "iban",
                "type": "string"
              },
              {
                "name": "reference",
                "type": [
                  "null",
                  "string"
                ],
                "default": null
              }
            ]
          }
        ]
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "oneOf": [
            {
              "const": "Cash"
            },
            {
              "type": "object",
              "properties": {
                "Card": {
                  "$ref": "#/definitions/com.acme.payments.Card"
                }
              },
              "required": [
                "Card"
              ],
              "additionalProperties": false
            },
            {
              "type": "object",
              "properties": {
                "Transfer": {
                  "type": "object",
                  "properties": {
                    "iban": {
                      "type": "string"
                    },
                    "reference": {
                      "oneOf": [
                        {
                          "type": "null"
                        },
                        {
                          "type": "string"
                        }
                      ]
                    }
                  },
                  "required": [
                    "iban"
                  ]
                }
              },
              "required": [
                "Transfer"
              ],
              "additionalProperties": false
            }
          ],
          "definitions": {
            "com.acme.payments.Card": {
              "type": "object",
              "title": "Card",
              "properties": {
                "last4": {
                  "type": "string"
                }
              },
              "required": [
                "last4"
              ]
            }
          }
        }
    "##]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
#[serde(untagged)]
enum Shape {
    Circle { radius: f64 },
    Square { side: f64 },
}

#[test]
fn data_enum_untagged() {
    check::<Shape>(expect![[r#"
        com.acme.test.Shape
        avro: [
          {
            "type": "record",
            "name": "Circle",
            "namespace": "com.acme.test",
            "fields": [
              {
                "name": "radius",
                "type": "double"
              }
            ]
          },
          {
            "type": "record",
            "name": "Square",
            "namespace": "com.acme.test",
            "fields": [
              {
                "name": "side",
                "type": "double"
              }
            ]
          }
        ]
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "oneOf": [
            {
              "type": "object",
              "properties": {
                "radius": {
                  "type": "number"
                }
              },
              "required": [
                "radius"
              ]
            },
            {
              "type": "object",
              "properties": {
                "side": {
                  "type": "number"
                }
              },
              "required": [
                "side"
              ]
            }
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct MaybeShape {
    shape: Option<Shape>,
}

#[test]
fn optional_union_is_flattened() {
    check::<MaybeShape>(expect![[r##"
        com.acme.test.MaybeShape
        avro: {
          "type": "record",
          "name": "MaybeShape",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "shape",
              "type": [
                "null",
                {
                  "type": "record",
                  "name": "Circle",
                  "namespace": "com.acme.test",
                  "fields": [
                    {
                      "name": "radius",
                      "type": "double"
                    }
                  ]
                },
                {
                  "type": "record",
                  "name": "Square",
                  "namespace": "com.acme.test",
                  "fields": [
                    {
                      "name": "side",
                      "type": "double"
                    }
                  ]
                }
              ],
              "default": null
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "MaybeShape",
          "properties": {
            "shape": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "$ref": "#/definitions/com.acme.test.Shape"
                }
              ]
            }
          },
          "definitions": {
            "com.acme.test.Shape": {
              "oneOf": [
                {
                  "type": "object",
                  "properties": {
                    "radius": {
                      "type": "number"
                    }
                  },
                  "required": [
                    "radius"
                  ]
                },
                {
                  "type": "object",
                  "properties": {
                    "side": {
                      "type": "number"
                    }
                  },
                  "required": [
                    "side"
                  ]
                }
              ]
            }
          }
        }
    "##]]);
}

#[derive(Serialize, Deserialize, Schema)]
struct OrderId(String);

#[test]
fn newtype_of_primitive() {
    check::<OrderId>(expect![[r#"
        string
        avro: "string"
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "string"
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
struct Wrapped(Address);

#[test]
fn newtype_of_record() {
    check::<Wrapped>(expect![[r##"
        com.acme.orders.Address
        avro: {
          "type": "record",
          "name": "Address",
          "namespace": "com.acme.orders",
          "fields": [
            {
              "name": "street",
              "type": "string"
            },
            {
              "name": "city",
              "type": "string"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "$ref": "#/definitions/com.acme.orders.Address",
          "definitions": {
            "com.acme.orders.Address": {
              "type": "object",
              "title": "Address",
              "properties": {
                "street": {
                  "type": "string"
                },
                "city": {
                  "type": "string"
                }
              },
              "required": [
                "street",
                "city"
              ]
            }
          }
        }
    "##]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[serde(transparent)]
struct Transparent {
    #[schemata(avro = "long")]
    millis: u64,
}

#[test]
fn transparent() {
    check::<Transparent>(expect![[r#"
        long
        avro: "long"
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "integer",
          "minimum": 0
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct WideIntegers {
    #[schemata(avro = "long")]
    offset: u64,
    #[schemata(avro = "long")]
    index: Option<usize>,
    #[schemata(avro = "decimal", precision = 39, scale = 0)]
    huge: u128,
    #[schemata(avro = "decimal", precision = 39, scale = 0)]
    signed: i128,
}

#[test]
fn wide_integers() {
    check::<WideIntegers>(expect![[r#"
        com.acme.test.WideIntegers
        avro: {
          "type": "record",
          "name": "WideIntegers",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "offset",
              "type": "long"
            },
            {
              "name": "index",
              "type": [
                "null",
                "long"
              ],
              "default": null
            },
            {
              "name": "huge",
              "type": {
                "type": "bytes",
                "logicalType": "decimal",
                "precision": 39,
                "scale": 0
              }
            },
            {
              "name": "signed",
              "type": {
                "type": "bytes",
                "logicalType": "decimal",
                "precision": 39,
                "scale": 0
              }
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "WideIntegers",
          "properties": {
            "offset": {
              "type": "integer",
              "minimum": 0
            },
            "index": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "type": "integer",
                  "minimum": 0
                }
              ]
            },
            "huge": {
              "type": "integer",
              "minimum": 0
            },
            "signed": {
              "type": "integer"
            }
          },
          "required": [
            "offset",
            "huge",
            "signed"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Ids {
    id: uuid::Uuid,
    parent: Option<uuid::Uuid>,
}

#[test]
fn uuid() {
    check::<Ids>(expect![[r#"
        com.acme.test.Ids
        avro: {
          "type": "record",
          "name": "Ids",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "id",
              "type": {
                "type": "string",
                "logicalType": "uuid"
              }
            },
            {
              "name": "parent",
              "type": [
                "null",
                {
                  "type": "string",
                  "logicalType": "uuid"
                }
              ],
              "default": null
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Ids",
          "properties": {
            "id": {
              "type": "string",
              "format": "uuid"
            },
            "parent": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "type": "string",
                  "format": "uuid"
                }
              ]
            }
          },
          "required": [
            "id"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Chrono {
    at: chrono::DateTime<chrono::Utc>,
    #[schemata(timestamp = "millis")]
    at_millis: chrono::DateTime<chrono::Utc>,
    local: chrono::NaiveDateTime,
    day: chrono::NaiveDate,
    clock: chrono::NaiveTime,
    #[schemata(timestamp = "millis")]
    clock_millis: Option<chrono::NaiveTime>,
}

#[test]
fn chrono_types() {
    check::<Chrono>(expect![[r#"
        com.acme.test.Chrono
        avro: {
          "type": "record",
          "name": "Chrono",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "at",
              "type": {
                "type": "long",
                "logicalType": "timestamp-micros"
              }
            },
            {
              "name": "at_millis",
              "type": {
                "type": "long",
                "logicalType": "timestamp-millis"
              }
            },
            {
              "name": "local",
              "type": {
                "type": "long",
                "logicalType": "local-timestamp-micros"
              }
            },
            {
              "name": "day",
              "type": {
                "type": "int",
                "logicalType": "date"
              }
            },
            {
              "name": "clock",
              "type": {
                "type": "long",
                "logicalType": "time-micros"
              }
            },
            {
              "name": "clock_millis",
              "type": [
                "null",
                {
                  "type": "int",
                  "logicalType": "time-millis"
                }
              ],
              "default": null
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Chrono",
          "properties": {
            "at": {
              "type": "string",
              "format": "date-time"
            },
            "at_millis": {
              "type": "string",
              "format": "date-time"
            },
            "local": {
              "type": "string"
            },
            "day": {
              "type": "string",
              "format": "date"
            },
            "clock": {
              "type": "string"
            },
            "clock_millis": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "type": "string"
                }
              ]
            }
          },
          "required": [
            "at",
            "at_millis",
            "local",
            "day",
            "clock"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Time {
    at: time::OffsetDateTime,
    local: time::PrimitiveDateTime,
    day: time::Date,
    #[schemata(timestamp = "millis")]
    clock: time::Time,
}

#[test]
fn time_types() {
    check::<Time>(expect![[r#"
        com.acme.test.Time
        avro: {
          "type": "record",
          "name": "Time",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "at",
              "type": {
                "type": "long",
                "logicalType": "timestamp-micros"
              }
            },
            {
              "name": "local",
              "type": {
                "type": "long",
                "logicalType": "local-timestamp-micros"
              }
            },
            {
              "name": "day",
              "type": {
                "type": "int",
                "logicalType": "date"
              }
            },
            {
              "name": "clock",
              "type": {
                "type": "int",
                "logicalType": "time-millis"
              }
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Time",
          "properties": {
            "at": {
              "type": "array",
              "items": {
                "type": "integer"
              }
            },
            "local": {
              "type": "array",
              "items": {
                "type": "integer"
              }
            },
            "day": {
              "type": "array",
              "items": {
                "type": "integer"
              }
            },
            "clock": {
              "type": "array",
              "items": {
                "type": "integer"
              }
            }
          },
          "required": [
            "at",
            "local",
            "day",
            "clock"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Money {
    #[schemata(precision = 18, scale = 2)]
    amount: rust_decimal::Decimal,
    #[schemata(precision = 10, scale = 4)]
    rate: Option<rust_decimal::Decimal>,
}

#[test]
fn decimal() {
    check::<Money>(expect![[r#"
        com.acme.test.Money
        avro: {
          "type": "record",
          "name": "Money",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "amount",
              "type": {
                "type": "bytes",
                "logicalType": "decimal",
                "precision": 18,
                "scale": 2
              }
            },
            {
              "name": "rate",
              "type": [
                "null",
                {
                  "type": "bytes",
                  "logicalType": "decimal",
                  "precision": 10,
                  "scale": 4
                }
              ],
              "default": null
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Money",
          "properties": {
            "amount": {
              "type": "string",
              "pattern": "^-?[0-9]+(\\.[0-9]+)?$"
            },
            "rate": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "type": "string",
                  "pattern": "^-?[0-9]+(\\.[0-9]+)?$"
                }
              ]
            }
          },
          "required": [
            "amount"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(
    namespace = "com.acme.legacy",
    name = "Customer",
    doc = "a customer as the CRM knows it",
    alias = "com.acme.old.Client",
    alias = "Client"
)]
struct Annotated {
    #[serde(rename = "fullName")]
    #[schemata(rename = "fullName", doc = "given and family name", alias = "name")]
    full_name: String,
}

#[test]
fn container_attributes() {
    check::<Annotated>(expect![[r#"
        com.acme.legacy.Customer
        avro: {
          "type": "record",
          "name": "Customer",
          "namespace": "com.acme.legacy",
          "doc": "a customer as the CRM knows it",
          "aliases": [
            "com.acme.old.Client",
            "Client"
          ],
          "fields": [
            {
              "name": "fullName",
              "doc": "given and family name",
              "type": "string",
              "aliases": [
                "name"
              ]
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Customer",
          "description": "a customer as the CRM knows it",
          "properties": {
            "fullName": {
              "type": "string",
              "description": "given and family name"
            }
          },
          "required": [
            "fullName"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Renamed {
    #[serde(rename = "userId")]
    user_id: String,
    #[serde(rename(serialize = "e_mail", deserialize = "e_mail"))]
    email: String,
}

#[test]
fn serde_rename() {
    check::<Renamed>(expect![[r#"
        com.acme.test.Renamed
        avro: {
          "type": "record",
          "name": "Renamed",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "userId",
              "type": "string"
            },
            {
              "name": "e_mail",
              "type": "string"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Renamed",
          "properties": {
            "userId": {
              "type": "string"
            },
            "e_mail": {
              "type": "string"
            }
          },
          "required": [
            "userId",
            "e_mail"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
#[serde(rename_all = "camelCase")]
struct CamelCase {
    first_name: String,
    last_login_at: i64,
    #[serde(rename = "ID")]
    id: String,
}

#[test]
fn rename_all_camel() {
    check::<CamelCase>(expect![[r#"
        com.acme.test.CamelCase
        avro: {
          "type": "record",
          "name": "CamelCase",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "firstName",
              "type": "string"
            },
            {
              "name": "lastLoginAt",
              "type": "long"
            },
            {
              "name": "ID",
              "type": "string"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "CamelCase",
          "properties": {
            "firstName": {
              "type": "string"
            },
            "lastLoginAt": {
              "type": "integer"
            },
            "ID": {
              "type": "string"
            }
          },
          "required": [
            "firstName",
            "lastLoginAt",
            "ID"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
#[serde(rename_all = "PascalCase")]
struct PascalFields {
    first_name: String,
}

#[test]
fn rename_all_pascal() {
    check::<PascalFields>(expect![[r#"
        com.acme.test.PascalFields
        avro: {
          "type": "record",
          "name": "PascalFields",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "FirstName",
              "type": "string"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "PascalFields",
          "properties": {
            "FirstName": {
              "type": "string"
            }
          },
          "required": [
            "FirstName"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Skipped {
    kept: String,
    #[serde(skip)]
    cache: Vec<u64>,
    #[serde(skip_serializing, skip_deserializing)]
    scratch: u128,
}

#[test]
fn skip() {
    check::<Skipped>(expect![[r#"
        com.acme.test.Skipped
        avro: {
          "type": "record",
          "name": "Skipped",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "kept",
              "type": "string"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Skipped",
          "properties": {
            "kept": {
              "type": "string"
            }
          },
          "required": [
            "kept"
          ]
        }
    "#]]);
}

fn default_currency() -> String {
    "EUR".to_owned()
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Defaults {
    #[serde(default)]
    retries: i32,
    #[serde(default = "default_currency")]
    currency: String,
    #[schemata(default = "USD")]
    #[serde(default)]
    display_currency: String,
    #[schemata(default_json = r#"{"a": 1}"#)]
    #[serde(default)]
    limits: HashMap<String, i64>,
    #[schemata(default = 3)]
    #[serde(default)]
    level: Option<i32>,
    #[serde(default)]
    blob: Vec<u8>,
}

#[test]
fn defaults() {
    check::<Defaults>(expect![[r#"
        com.acme.test.Defaults
        avro: {
          "type": "record",
          "name": "Defaults",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "retries",
              "type": "int",
              "default": 0
            },
            {
              "name": "currency",
              "type": "string",
              "default": "EUR"
            },
            {
              "name": "display_currency",
              "type": "string",
              "default": "USD"
            },
            {
              "name": "limits",
              "type": {
                "type": "map",
                "values": "long"
              },
              "default": {
                "a": 1
              }
            },
            {
              "name": "level",
              "type": [
                "int",
                "null"
              ],
              "default": 3
            },
            {
              "name": "blob",
              "type": "bytes",
              "default": ""
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Defaults",
          "properties": {
            "retries": {
              "type": "integer",
              "minimum": -2147483648,
              "maximum": 2147483647,
              "default": 0
            },
            "currency": {
              "type": "string",
              "default": "EUR"
            },
            "display_currency": {
              "type": "string",
              "default": "USD"
            },
            "limits": {
              "type": "object",
              "additionalProperties": {
                "type": "integer"
              },
              "default": {
                "a": 1
              }
            },
            "level": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "type": "integer",
                  "minimum": -2147483648,
                  "maximum": 2147483647
                }
              ],
              "default": 3
            },
            "blob": {
              "type": "array",
              "items": {
                "type": "integer",
                "minimum": 0,
                "maximum": 255
              },
              "default": []
            }
          }
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
#[serde(default)]
struct ContainerDefault {
    host: String,
    port: i32,
}

impl Default for ContainerDefault {
    fn default() -> Self {
        ContainerDefault { host: "localhost".to_owned(), port: 9092 }
    }
}

#[test]
fn container_default() {
    check::<ContainerDefault>(expect![[r#"
        com.acme.test.ContainerDefault
        avro: {
          "type": "record",
          "name": "ContainerDefault",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "host",
              "type": "string",
              "default": "localhost"
            },
            {
              "name": "port",
              "type": "int",
              "default": 9092
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "ContainerDefault",
          "properties": {
            "host": {
              "type": "string",
              "default": "localhost"
            },
            "port": {
              "type": "integer",
              "minimum": -2147483648,
              "maximum": 2147483647,
              "default": 9092
            }
          }
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Audit {
    created_by: String,
    created_at: i64,
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Flattened {
    id: String,
    #[serde(flatten)]
    audit: Audit,
}

#[test]
fn flatten() {
    check::<Flattened>(expect![[r#"
        com.acme.test.Flattened
        avro: {
          "type": "record",
          "name": "Flattened",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "id",
              "type": "string"
            },
            {
              "name": "created_by",
              "type": "string"
            },
            {
              "name": "created_at",
              "type": "long"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Flattened",
          "properties": {
            "id": {
              "type": "string"
            },
            "created_by": {
              "type": "string"
            },
            "created_at": {
              "type": "integer"
            }
          },
          "required": [
            "id",
            "created_by",
            "created_at"
          ]
        }
    "#]]);
}

/// A user of the shop.
///
/// Doc comments become `doc`.
#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Documented {
    /// The login name.
    login: String,
    /// Doc on a variant's enum field.
    role: Color,
}

#[test]
fn doc_comments() {
    check::<Documented>(expect![[r##"
        com.acme.test.Documented
        avro: {
          "type": "record",
          "name": "Documented",
          "namespace": "com.acme.test",
          "doc": "A user of the shop.\n\nDoc comments become `doc`.",
          "fields": [
            {
              "name": "login",
              "doc": "The login name.",
              "type": "string"
            },
            {
              "name": "role",
              "doc": "Doc on a variant's enum field.",
              "type": {
                "type": "enum",
                "name": "Color",
                "namespace": "com.acme.test",
                "symbols": [
                  "Red",
                  "Green",
                  "Blue"
                ]
              }
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Documented",
          "description": "A user of the shop.\n\nDoc comments become `doc`.",
          "properties": {
            "login": {
              "type": "string",
              "description": "The login name."
            },
            "role": {
              "allOf": [
                {
                  "$ref": "#/definitions/com.acme.test.Color"
                }
              ],
              "description": "Doc on a variant's enum field."
            }
          },
          "required": [
            "login",
            "role"
          ],
          "definitions": {
            "com.acme.test.Color": {
              "type": "string",
              "title": "Color",
              "enum": [
                "Red",
                "Green",
                "Blue"
              ]
            }
          }
        }
    "##]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
#[serde(deny_unknown_fields)]
struct Closed {
    only: String,
}

#[test]
fn deny_unknown_fields_closes_json() {
    check::<Closed>(expect![[r#"
        com.acme.test.Closed
        avro: {
          "type": "record",
          "name": "Closed",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "only",
              "type": "string"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Closed",
          "properties": {
            "only": {
              "type": "string"
            }
          },
          "required": [
            "only"
          ],
          "additionalProperties": false
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct Aliased {
    #[serde(alias = "mail", alias = "email_address")]
    email: String,
}

#[test]
fn serde_alias_becomes_avro_alias() {
    check::<Aliased>(expect![[r#"
        com.acme.test.Aliased
        avro: {
          "type": "record",
          "name": "Aliased",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "email",
              "type": "string",
              "aliases": [
                "mail",
                "email_address"
              ]
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Aliased",
          "properties": {
            "email": {
              "type": "string"
            }
          },
          "required": [
            "email"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.events")]
#[serde(rename_all = "snake_case", rename_all_fields = "camelCase")]
enum EnumFields {
    UserCreated {
        user_id: String,
    },
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    UserDeleted {
        user_id: String,
    },
}

#[test]
fn enum_rename_all_fields() {
    check::<EnumFields>(expect![[r#"
        com.acme.events.EnumFields
        avro: [
          {
            "type": "record",
            "name": "user_created",
            "namespace": "com.acme.events",
            "fields": [
              {
                "name": "userId",
                "type": "string"
              }
            ]
          },
          {
            "type": "record",
            "name": "user_deleted",
            "namespace": "com.acme.events",
            "fields": [
              {
                "name": "USER_ID",
                "type": "string"
              }
            ]
          }
        ]
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "oneOf": [
            {
              "type": "object",
              "properties": {
                "user_created": {
                  "type": "object",
                  "properties": {
                    "userId": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "userId"
                  ]
                }
              },
              "required": [
                "user_created"
              ],
              "additionalProperties": false
            },
            {
              "type": "object",
              "properties": {
                "user_deleted": {
                  "type": "object",
                  "properties": {
                    "USER_ID": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "USER_ID"
                  ]
                }
              },
              "required": [
                "user_deleted"
              ],
              "additionalProperties": false
            }
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct RawIdent {
    r#type: String,
}

#[test]
fn raw_identifier() {
    check::<RawIdent>(expect![[r#"
        com.acme.test.RawIdent
        avro: {
          "type": "record",
          "name": "RawIdent",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "type",
              "type": "string"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "RawIdent",
          "properties": {
            "type": {
              "type": "string"
            }
          },
          "required": [
            "type"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "")]
struct NoNamespace {
    value: i32,
}

#[test]
fn explicit_null_namespace() {
    check::<NoNamespace>(expect![[r#"
        NoNamespace
        avro: {
          "type": "record",
          "name": "NoNamespace",
          "fields": [
            {
              "name": "value",
              "type": "int"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "NoNamespace",
          "properties": {
            "value": {
              "type": "integer",
              "minimum": -2147483648,
              "maximum": 2147483647
            }
          },
          "required": [
            "value"
          ]
        }
    "#]]);
}

/// No namespace attribute: `[package.metadata.schemata] namespace` of this crate applies.
#[derive(Serialize, Deserialize, Schema)]
struct CrateNamespace {
    value: i32,
}

#[test]
fn crate_default_namespace() {
    check::<CrateNamespace>(expect![[r#"
        com.example.schemata.CrateNamespace
        avro: {
          "type": "record",
          "name": "CrateNamespace",
          "namespace": "com.example.schemata",
          "doc": "No namespace attribute: `[package.metadata.schemata] namespace` of this crate applies.",
          "fields": [
            {
              "name": "value",
              "type": "int"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "CrateNamespace",
          "description": "No namespace attribute: `[package.metadata.schemata] namespace` of this crate applies.",
          "properties": {
            "value": {
              "type": "integer",
              "minimum": -2147483648,
              "maximum": 2147483647
            }
          },
          "required": [
            "value"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct TwoFixed {
    a: [u8; 4],
    b: [u8; 4],
    c: Option<[u8; 8]>,
}

#[test]
fn same_sized_fixed_defined_once() {
    check::<TwoFixed>(expect![[r#"
        com.acme.test.TwoFixed
        avro: {
          "type": "record",
          "name": "TwoFixed",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "a",
              "type": {
                "type": "fixed",
                "name": "fixed_4",
                "namespace": "com.acme.test",
                "size": 4
              }
            },
            {
              "name": "b",
              "type": "com.acme.test.fixed_4"
            },
            {
              "name": "c",
              "type": [
                "null",
                {
                  "type": "fixed",
                  "name": "fixed_8",
                  "namespace": "com.acme.test",
                  "size": 8
                }
              ],
              "default": null
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "TwoFixed",
          "properties": {
            "a": {
              "type": "array",
              "items": {
                "type": "integer",
                "minimum": 0,
                "maximum": 255
              },
              "minItems": 4,
              "maxItems": 4
            },
            "b": {
              "type": "array",
              "items": {
                "type": "integer",
                "minimum": 0,
                "maximum": 255
              },
              "minItems": 4,
              "maxItems": 4
            },
            "c": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "type": "array",
                  "items": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 255
                  },
                  "minItems": 8,
                  "maxItems": 8
                }
              ]
            }
          },
          "required": [
            "a",
            "b"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct EnumTwice {
    primary: Color,
    secondary: Option<Color>,
    palette: Vec<Color>,
}

#[test]
fn enum_defined_once() {
    check::<EnumTwice>(expect![[r##"
        com.acme.test.EnumTwice
        avro: {
          "type": "record",
          "name": "EnumTwice",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "primary",
              "type": {
                "type": "enum",
                "name": "Color",
                "namespace": "com.acme.test",
                "symbols": [
                  "Red",
                  "Green",
                  "Blue"
                ]
              }
            },
            {
              "name": "secondary",
              "type": [
                "null",
                "com.acme.test.Color"
              ],
              "default": null
            },
            {
              "name": "palette",
              "type": {
                "type": "array",
                "items": "com.acme.test.Color"
              }
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "EnumTwice",
          "properties": {
            "primary": {
              "$ref": "#/definitions/com.acme.test.Color"
            },
            "secondary": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "$ref": "#/definitions/com.acme.test.Color"
                }
              ]
            },
            "palette": {
              "type": "array",
              "items": {
                "$ref": "#/definitions/com.acme.test.Color"
              }
            }
          },
          "required": [
            "primary",
            "palette"
          ],
          "definitions": {
            "com.acme.test.Color": {
              "type": "string",
              "title": "Color",
              "enum": [
                "Red",
                "Green",
                "Blue"
              ]
            }
          }
        }
    "##]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct NestedOptions {
    maybe_list: Vec<Option<String>>,
    maybe_map: HashMap<String, Option<i64>>,
}

#[test]
fn options_inside_collections() {
    check::<NestedOptions>(expect![[r#"
        com.acme.test.NestedOptions
        avro: {
          "type": "record",
          "name": "NestedOptions",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "maybe_list",
              "type": {
                "type": "array",
                "items": [
                  "null",
                  "string"
                ]
              }
            },
            {
              "name": "maybe_map",
              "type": {
                "type": "map",
                "values": [
                  "null",
                  "long"
                ]
              }
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "NestedOptions",
          "properties": {
            "maybe_list": {
              "type": "array",
              "items": {
                "oneOf": [
                  {
                    "type": "null"
                  },
                  {
                    "type": "string"
                  }
                ]
              }
            },
            "maybe_map": {
              "type": "object",
              "additionalProperties": {
                "oneOf": [
                  {
                    "type": "null"
                  },
                  {
                    "type": "integer"
                  }
                ]
              }
            }
          },
          "required": [
            "maybe_list",
            "maybe_map"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
struct RecordMap {
    by_city: BTreeMap<String, Address>,
    fallback: Address,
}

#[test]
fn map_of_records() {
    check::<RecordMap>(expect![[r##"
        com.acme.test.RecordMap
        avro: {
          "type": "record",
          "name": "RecordMap",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "by_city",
              "type": {
                "type": "map",
                "values": {
                  "type": "record",
                  "name": "Address",
                  "namespace": "com.acme.orders",
                  "fields": [
                    {
                      "name": "street",
                      "type": "string"
                    },
                    {
                      "name": "city",
                      "type": "string"
                    }
                  ]
                }
              }
            },
            {
              "name": "fallback",
              "type": "com.acme.orders.Address"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "RecordMap",
          "properties": {
            "by_city": {
              "type": "object",
              "additionalProperties": {
                "$ref": "#/definitions/com.acme.orders.Address"
              }
            },
            "fallback": {
              "$ref": "#/definitions/com.acme.orders.Address"
            }
          },
          "required": [
            "by_city",
            "fallback"
          ],
          "definitions": {
            "com.acme.orders.Address": {
              "type": "object",
              "title": "Address",
              "properties": {
                "street": {
                  "type": "string"
                },
                "city": {
                  "type": "string"
                }
              },
              "required": [
                "street",
                "city"
              ]
            }
          }
        }
    "##]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
#[serde(rename = "Renamed_By_Serde")]
struct SerdeRenamedType {
    value: i32,
}

#[test]
fn serde_rename_on_type() {
    check::<SerdeRenamedType>(expect![[r#"
        com.acme.test.Renamed_By_Serde
        avro: {
          "type": "record",
          "name": "Renamed_By_Serde",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "value",
              "type": "int"
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Renamed_By_Serde",
          "properties": {
            "value": {
              "type": "integer",
              "minimum": -2147483648,
              "maximum": 2147483647
            }
          },
          "required": [
            "value"
          ]
        }
    "#]]);
}

#[derive(Serialize, Deserialize, Schema)]
#[schemata(namespace = "com.acme.test")]
enum VariantRenames {
    #[serde(rename = "small")]
    #[schemata(rename = "small", doc = "up to ten", alias = "tiny")]
    Small {
        count: i32,
    },
    Large(Address),
}

#[test]
fn variant_attributes() {
    check::<VariantRenames>(expect![[r##"
        com.acme.test.VariantRenames
        avro: [
          {
            "type": "record",
            "name": "small",
            "namespace": "com.acme.test",
            "doc": "up to ten",
            "aliases": [
              "tiny"
            ],
            "fields": [
              {
                "name": "count",
                "type": "int"
              }
            ]
          },
          {
            "type": "record",
            "name": "Address",
            "namespace": "com.acme.orders",
            "fields": [
              {
                "name": "street",
                "type": "string"
              },
              {
                "name": "city",
                "type": "string"
              }
            ]
          }
        ]
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "oneOf": [
            {
              "type": "object",
              "properties": {
                "small": {
                  "type": "object",
                  "description": "up to ten",
                  "properties": {
                    "count": {
                      "type": "integer",
                      "minimum": -2147483648,
                      "maximum": 2147483647
                    }
                  },
                  "required": [
                    "count"
                  ]
                }
              },
              "required": [
                "small"
              ],
              "additionalProperties": false
            },
            {
              "type": "object",
              "properties": {
                "Large": {
                  "$ref": "#/definitions/com.acme.orders.Address"
                }
              },
              "required": [
                "Large"
              ],
              "additionalProperties": false
            }
          ],
          "definitions": {
            "com.acme.orders.Address": {
              "type": "object",
              "title": "Address",
              "properties": {
                "street": {
                  "type": "string"
                },
                "city": {
                  "type": "string"
                }
              },
              "required": [
                "street",
                "city"
              ]
            }
          }
        }
    "##]]);
}

#[test]
fn subjects_per_strategy() {
    let cases = [
        (SubjectNameStrategy::TopicName, false, "orders-value"),
        (SubjectNameStrategy::TopicName, true, "orders-key"),
        (SubjectNameStrategy::RecordName, false, "com.acme.orders.Order"),
        (SubjectNameStrategy::RecordName, true, "com.acme.orders.Order"),
        (SubjectNameStrategy::TopicRecordName, false, "orders-com.acme.orders.Order"),
        (SubjectNameStrategy::TopicRecordName, true, "orders-com.acme.orders.Order"),
    ];
    for (strategy, is_key, want) in cases {
        assert_eq!(Order::subject(strategy, "orders", is_key), want, "{strategy} key={is_key}");
    }
}

#[test]
fn full_names() {
    let cases = [
        (Order::full_name(), "com.acme.orders.Order"),
        (Annotated::full_name(), "com.acme.legacy.Customer"),
        (OrderId::full_name(), "string"),
        (Wrapped::full_name(), "com.acme.orders.Address"),
        (NoNamespace::full_name(), "NoNamespace"),
        (CrateNamespace::full_name(), "com.example.schemata.CrateNamespace"),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

#[test]
fn schemas_are_built_once() {
    assert!(std::ptr::eq(Order::avro_schema(), Order::avro_schema()));
    assert!(std::ptr::eq(Order::json_schema(), Order::json_schema()));
}

/// What serde_json writes for a value must validate against the type's derived JSON Schema, and
/// the schema itself against the draft 7 meta-schema: the JSON side may not silently disagree.
fn valid<T: Schema + Serialize>(value: T) {
    let schema = T::json_schema();
    if let Err(err) = jsonschema::meta::validate(schema) {
        panic!("JSON Schema of {} is not valid: {err}\n{schema:#}", T::full_name());
    }
    let document = serde_json::to_value(&value).unwrap();
    if let Err(err) = jsonschema::validate(schema, &document) {
        panic!("{document} does not validate against the schema of {}: {err}", T::full_name());
    }
}

fn address() -> Address {
    Address { street: "Main St 1".to_owned(), city: "Springfield".to_owned() }
}

#[test]
fn serde_json_output_validates_against_derived_json_schema() {
    valid(Primitives {
        flag: true,
        tiny: -8,
        small: 300,
        int: -70_000,
        long: 1 << 40,
        byte: 255,
        word: 65_535,
        dword: 4_000_000_000,
        ratio: 0.5,
        precise: 2.25,
        text: "hi".to_owned(),
        letter: 'x',
        size: -1,
    });
    valid(Bytes { payload: vec![0, 255], digest: [7; 16], sha: [1; 32] });
    valid(Borrowed { name: "n", raw: &[1, 2], cow: Cow::Borrowed("c") });
    valid(Optionals { nickname: None, scores: Some(vec![1]), nested: None });
    valid(Collections {
        tags: vec!["a".to_owned()],
        counts: HashMap::from([("a".to_owned(), 1)]),
        buckets: BTreeMap::from([("b".to_owned(), vec![2])]),
        unique: HashSet::from(["u".to_owned()]),
    });
    valid(Order { id: "o-1".to_owned(), shipping: address(), billing: address() });
    valid(Tree { value: 1, children: vec![Tree { value: 2, children: Vec::new() }] });
    valid(Linked { value: 1, next: Some(Box::new(Linked { value: 2, next: None })) });
    valid(Status::OutOfStock);
    valid(Payment::Cash);
    valid(Payment::Card(Card { last4: "4242".to_owned() }));
    valid(Payment::Transfer { iban: "DE00".to_owned(), reference: None });
    valid(MaybeShape { shape: Some(Shape::Square { side: 2.0 }) });
    valid(OrderId("o-1".to_owned()));
    valid(Wrapped(address()));
    valid(Transparent { millis: 5 });
    valid(WideIntegers { offset: 1, index: Some(2), huge: 3, signed: -4 });
    valid(Ids { id: uuid::Uuid::nil(), parent: None });
    valid(Chrono {
        at: chrono::DateTime::UNIX_EPOCH,
        at_millis: chrono::DateTime::UNIX_EPOCH,
        local: chrono::NaiveDateTime::default(),
        day: chrono::NaiveDate::default(),
        clock: chrono::NaiveTime::default(),
        clock_millis: None,
    });
    valid(Time {
        at: time::OffsetDateTime::UNIX_EPOCH,
        local: time::PrimitiveDateTime::MIN,
        day: time::Date::MIN,
        clock: time::Time::MIDNIGHT,
    });
    valid(Money { amount: rust_decimal::Decimal::new(1234, 2), rate: None });
    valid(Annotated { full_name: "Ada".to_owned() });
    valid(CamelCase { first_name: "a".to_owned(), last_login_at: 1, id: "i".to_owned() });
    valid(Defaults {
        retries: 1,
        currency: default_currency(),
        display_currency: "USD".to_owned(),
        limits: HashMap::new(),
        level: Some(3),
        blob: Vec::new(),
    });
    valid(ContainerDefault::default());
    valid(Flattened {
        id: "f".to_owned(),
        audit: Audit { created_by: "me".to_owned(), created_at: 1 },
    });
    valid(Closed { only: "x".to_owned() });
    valid(EnumFields::UserCreated { user_id: "u".to_owned() });
    valid(EnumFields::UserDeleted { user_id: "u".to_owned() });
    valid(RawIdent { r#type: "t".to_owned() });
    valid(VariantRenames::Small { count: 1 });
    valid(RecordMap {
        by_city: BTreeMap::from([("x".to_owned(), address())]),
        fallback: address(),
    });
}

// Data contract attributes: metadata properties on the type (`metadata()`, registered with the
// schema) and Confluent's inline `confluent:tags` on tagged fields, also when the field is an
// optional or a record (beside `$ref` in JSON Schema: tags are annotations).
#[derive(Serialize, Deserialize, Schema)]
#[schemata(
    namespace = "com.acme.test",
    metadata(owner = "payments", major = "1", "confluent:reserved" = "pin")
)]
struct Tagged {
    id: i64,
    #[schemata(tags("PII"))]
    card_number: String,
    #[schemata(tags("PII", "SENSITIVE"))]
    holder: Option<String>,
    #[schemata(tags("ADDRESS"))]
    billing: Address,
}

#[test]
fn data_contract_metadata_and_tags() {
    let metadata = Tagged::metadata().expect("the type has metadata");
    assert_eq!(
        metadata.properties,
        BTreeMap::from(
            [("owner", "payments"), ("major", "1"), ("confluent:reserved", "pin")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        )
    );
    assert!(metadata.tags.is_empty() && metadata.sensitive.is_empty());
    assert_eq!(Address::metadata(), None, "types without the attribute have none");
    check::<Tagged>(expect![[r##"
        com.acme.test.Tagged
        avro: {
          "type": "record",
          "name": "Tagged",
          "namespace": "com.acme.test",
          "fields": [
            {
              "name": "id",
              "type": "long"
            },
            {
              "name": "card_number",
              "type": "string",
              "confluent:tags": [
                "PII"
              ]
            },
            {
              "name": "holder",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "confluent:tags": [
                "PII",
                "SENSITIVE"
              ]
            },
            {
              "name": "billing",
              "type": {
                "type": "record",
                "name": "Address",
                "namespace": "com.acme.orders",
                "fields": [
                  {
                    "name": "street",
                    "type": "string"
                  },
                  {
                    "name": "city",
                    "type": "string"
                  }
                ]
              },
              "confluent:tags": [
                "ADDRESS"
              ]
            }
          ]
        }
        json: {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "title": "Tagged",
          "properties": {
            "id": {
              "type": "integer"
            },
            "card_number": {
              "type": "string",
              "confluent:tags": [
                "PII"
              ]
            },
            "holder": {
              "oneOf": [
                {
                  "type": "null"
                },
                {
                  "type": "string"
                }
              ],
              "confluent:tags": [
                "PII",
                "SENSITIVE"
              ]
            },
            "billing": {
              "$ref": "#/definitions/com.acme.orders.Address",
              "confluent:tags": [
                "ADDRESS"
              ]
            }
          },
          "required": [
            "id",
            "card_number",
            "billing"
          ],
          "definitions": {
            "com.acme.orders.Address": {
              "type": "object",
              "title": "Address",
              "properties": {
                "street": {
                  "type": "string"
                },
                "city": {
                  "type": "string"
                }
              },
              "required": [
                "street",
                "city"
              ]
            }
          }
        }
    "##]]);
}
