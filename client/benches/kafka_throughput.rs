//! Produce→consume throughput through a real broker (tansu on loopback, started here): the typed
//! `Producer`/`Consumer` with Avro values (encode, framing, decode into the type included)
//! against raw rdkafka moving byte payloads of the same size, with the same rdkafka settings,
//! in the same run. One iteration produces a batch, awaits every acknowledgement, then consumes
//! the batch.
//!
//! Run: `cargo bench -p schemata-client --features kafka --bench kafka_throughput`
//! (needs tansu 0.6.0: `$SCHEMATA_TANSU`, `PATH` or `~/.cargo/bin`; scripts/test.sh installs it)

use std::hint::black_box;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use schemata::kafka::rdkafka::Message as _;
use schemata::kafka::rdkafka::consumer::{Consumer as _, StreamConsumer};
use schemata::kafka::rdkafka::producer::{FutureProducer, FutureRecord};
use schemata::kafka::rdkafka::{Offset, TopicPartitionList};
use schemata::kafka::{Bytes, Consumer, ConsumerBuilder, Producer, ProducerBuilder};
use schemata::{AvroDeserializer, AvroSerializer, SerializerConfig};

/// Records per iteration: enough that per-batch waits (linger, fetch) are amortized.
const BATCH: usize = 2_000;
/// Every wait in the setup is bounded by this.
const WAIT: Duration = Duration::from_secs(30);

#[path = "common/events.rs"]
mod events;
use events::Event10;
#[path = "common/registry.rs"]
mod registry;
use registry::start_registry;

fn event(id: i64) -> Event10 {
    Event10 {
        id,
        user: "user-4711".into(),
        amount: 99.95,
        count: 3,
        active: true,
        email: Some("someone@example.com".into()),
        tags: vec!["a".into(), "bb".into(), "ccc".into()],
        country: "NL".into(),
        score: 0.5,
        ts: 1_700_000_000_000,
    }
}

/// tansu on a free loopback port, killed on drop.
struct Broker {
    bootstrap: String,
    child: Child,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tansu() -> PathBuf {
    let candidates = std::env::var_os("SCHEMATA_TANSU").map(PathBuf::from).into_iter().chain(
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).map(|d| d.join("tansu")).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/tansu"));
    candidates.chain(home).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!("tansu is missing: run scripts/test.sh (installs tansu 0.6.0) or set SCHEMATA_TANSU")
    })
}

fn start_broker() -> Broker {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("tcp://127.0.0.1:{port}");
    let child = Command::new(tansu())
        .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url])
        .args(["--storage-engine", "memory://tansu/"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tansu");
    let broker = Broker { bootstrap: format!("127.0.0.1:{port}"), child };
    let deadline = Instant::now() + WAIT;
    let address = broker.bootstrap.parse().unwrap();
    while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
        assert!(Instant::now() < deadline, "tansu did not accept connections within {WAIT:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    broker
}

/// The same rdkafka settings for both sides: only the typed layer differs.
fn producer_config(bootstrap: &str) -> ProducerBuilder {
    ProducerBuilder::new(bootstrap).linger_ms(5)
}

fn consumer_config(bootstrap: &str, group: &str) -> ConsumerBuilder {
    ConsumerBuilder::new(bootstrap, group).fetch_wait_max_ms(10)
}

fn assign_from_start(consumer: &StreamConsumer, topic: &str) {
    let mut list = TopicPartitionList::new();
    list.add_partition_offset(topic, 0, Offset::Beginning).unwrap();
    consumer.assign(&list).unwrap();
}

async fn typed_round(
    producer: &Producer<Vec<u8>, Event10>,
    consumer: &Consumer<Vec<u8>, Event10>,
    topic: &str,
    events: &[Event10],
) {
    let mut pending = Vec::with_capacity(events.len());
    for value in events {
        pending.push(producer.enqueue(topic, None, Some(value), &[]).await.unwrap());
    }
    for p in pending {
        p.delivered().await.unwrap();
    }
    for _ in 0..events.len() {
        let record = tokio::time::timeout(WAIT, consumer.recv()).await.unwrap().unwrap();
        black_box(record.value);
    }
}

async fn raw_round(
    producer: &FutureProducer,
    consumer: &StreamConsumer,
    topic: &str,
    payload: &[u8],
) {
    let mut pending = Vec::with_capacity(BATCH);
    for _ in 0..BATCH {
        let record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(topic).payload(payload);
        pending.push(producer.send_result(record).map_err(|(e, _)| e).unwrap());
    }
    for p in pending {
        p.await.unwrap().map_err(|(e, _)| e).unwrap();
    }
    for _ in 0..BATCH {
        let message = tokio::time::timeout(WAIT, consumer.recv()).await.unwrap().unwrap();
        black_box(message.payload().map(<[u8]>::len));
    }
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let broker = start_broker();
    let (client, _) = start_registry(&runtime);
    let bootstrap = broker.bootstrap.clone();
    let (typed_topic, raw_topic) = ("bench-typed", "bench-raw");
    runtime
        .block_on(schemata::kafka::create_topics(&bootstrap, &[typed_topic, raw_topic], 1, WAIT))
        .unwrap();

    let _guard = runtime.enter();
    let serializer =
        AvroSerializer::<Event10>::new(client.clone(), SerializerConfig::default()).unwrap();
    let events: Vec<Event10> = (0..BATCH).map(|i| event(i64::try_from(i).unwrap())).collect();
    // The raw payload has the size of a framed typed record.
    let payload = runtime.block_on(serializer.serialize(typed_topic, false, &events[0])).unwrap();

    let typed_producer = producer_config(&bootstrap).build(Bytes, serializer).unwrap();
    let typed_consumer = consumer_config(&bootstrap, "bench-typed")
        .build(Bytes, AvroDeserializer::<Event10>::new(client).unwrap())
        .unwrap();
    assign_from_start(typed_consumer.inner(), typed_topic);
    let raw_producer: FutureProducer =
        producer_config(&bootstrap).client_config().create().unwrap();
    let raw_consumer: StreamConsumer =
        consumer_config(&bootstrap, "bench-raw").client_config().create().unwrap();
    assign_from_start(&raw_consumer, raw_topic);

    let mut group = c.benchmark_group("kafka_throughput");
    group.throughput(Throughput::Elements(BATCH as u64));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(15));
    group.bench_function("typed_avro", |b| {
        b.iter(|| {
            runtime.block_on(typed_round(&typed_producer, &typed_consumer, typed_topic, &events))
        })
    });
    group.bench_function("raw_bytes", |b| {
        b.iter(|| runtime.block_on(raw_round(&raw_producer, &raw_consumer, raw_topic, &payload)))
    });
    group.finish();
    drop(broker);
}

criterion_group!(kafka, benches);
criterion_main!(kafka);
