package dev.omnirollup.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.sim.UpstreamQueries;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Backfill rebuilds rollups from Omni's tables, idempotently, and together with live ingest counts every row once. */
class BackfillTest {
    private static final Instant END = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    private static final Duration MINUTES_KEPT = Duration.ofDays(9);

    private ScratchRollups scratch;
    private ScratchDatabase omni;
    private RollupDatabase rollups;
    private final List<Instance> instances = TrafficGenerator.defaultInstances(6, 3);

    @BeforeEach
    void setUp() throws SQLException {
        scratch = ScratchRollups.create(4);
        omni = scratch.omni;
        rollups = scratch.rollups;
        omni.jdbi().useHandle(h -> new ReferencePersistence(h).ensureInstances(instances));
    }

    @AfterEach
    void tearDown() {
        scratch.close();
    }

    @Test
    void backfillAloneEqualsPlainSqlIncludingLatencies() throws SQLException {
        persist(traffic(1, 5_000));
        scratch.execute("UPDATE omni_events SET processing_time_ms = (abs(hashtext(id::text)) % 5000), "
                + "agent_latency_ms = (abs(hashtext(id::text || 'a')) % 900) WHERE abs(hashtext(id::text)) % 3 = 0");
        Instant cutover = rollups.ensureCutover(END.plusSeconds(60));
        backfill(cutover);

        ReferenceCheck check = new ReferenceCheck(rollups);
        check.assertAllTimeMatches();
        check.assertWindowMatches(END.minus(Duration.ofHours(24)), Optional.empty(), Optional.empty(), Instant.now());
        check.assertRandomWindowsMatch(11, 120, END.plusSeconds(3_600), Duration.ofDays(11),
                instances.stream().map(Instance::id).toList(), Instant.now());
        UpstreamQueries.Metrics upstream = omni.jdbi().withHandle(h -> UpstreamQueries.metrics(h, Instant.now()));
        WindowReport allTime = new RollupReader(rollups, Duration.ofDays(8)).allTime(Optional.empty(), Optional.empty());
        assertEquals(upstream.avgProcessingTimeMs(), allTime.counts().avgProcessingMs().map(Long::intValue), "avg processing");
        assertEquals(upstream.avgAgentLatencyMs(), allTime.counts().avgAgentMs().map(Long::intValue), "avg agent");
        long exact = upstream.p95ProcessingTimeMs().orElseThrow();
        long estimate = allTime.p95ProcessingMs().orElseThrow();
        assertTrue(Math.abs(estimate - exact) <= Math.max(1, exact / 100), "p95 " + estimate + " vs " + exact);
    }

    @Test
    void rerunningReplacesWhatItWroteAndNeverAddsTwice() {
        persist(traffic(2, 3_000));
        Instant cutover = rollups.ensureCutover(END.plusSeconds(60));
        backfill(cutover);
        String first = snapshot();
        List<String> before = versions();
        backfill(cutover);
        List<String> after = versions();
        assertEquals(before.size(), after.size());
        List<String> kept = new ArrayList<>(after);
        kept.retainAll(before);
        assertEquals(List.of(), kept, "a re-run gives every row it rewrites a version the row did not have: a"
                + " reader holding the row's breakdowns sees that they changed");
        Backfill parallel = new Backfill(rollups, InstantSource.system(), MINUTES_KEPT, 3);
        parallel.run(parallel.plan(cutover, Optional.empty(), Optional.empty()), false, () -> false, (p, r) -> { });
        assertEquals(first, snapshot(), "a sequential and a parallel re-run replace exactly what was there");
        new ReferenceCheck(rollups).assertAllTimeMatches();
    }

    @Test
    void anInterruptedRunIsCompletedByARerun() {
        persist(traffic(3, 3_000));
        Instant cutover = rollups.ensureCutover(END.plusSeconds(60));
        Backfill backfill = new Backfill(rollups, InstantSource.system(), MINUTES_KEPT);
        Backfill.Plan plan = backfill.plan(cutover, Optional.empty(), Optional.empty());
        AtomicInteger days = new AtomicInteger();
        List<Backfill.DayResult> partial = backfill.run(plan, false, () -> days.get() >= 4, (p, r) -> days.incrementAndGet());
        assertEquals(4, partial.size());
        assertNotEquals(0, plan.days() - partial.size(), "stopped early");
        backfill(cutover);
        new ReferenceCheck(rollups).assertAllTimeMatches();
    }

    @Test
    void aDryRunChangesNothing() {
        persist(traffic(4, 1_000));
        Instant cutover = rollups.ensureCutover(END.plusSeconds(60));
        String before = snapshot();
        Backfill backfill = new Backfill(rollups, InstantSource.system(), MINUTES_KEPT);
        List<Backfill.DayResult> days = backfill.run(backfill.plan(cutover, Optional.empty(), Optional.empty()), true,
                () -> false, (p, r) -> { });
        assertTrue(days.stream().mapToLong(Backfill.DayResult::eventRows).sum() > 0);
        assertEquals(before, snapshot());
    }

    @Test
    void aRangeMustBeBeforeTheCutover() {
        Instant cutover = rollups.ensureCutover(END);
        Backfill backfill = new Backfill(rollups, InstantSource.system(), MINUTES_KEPT);
        assertThrows(IllegalArgumentException.class,
                () -> backfill.plan(cutover, Optional.of(END.plusSeconds(3600)), Optional.empty()));
    }

    /**
     * The bootstrap of a live system: history before the cutover, live events after it, including receipts for
     * messages older than the cutover, in the order that is hardest to get right — backfill counts old rows before
     * upstream has applied the receipts to them, live ingest applies the receipts (finding those rows in Omni's
     * table), upstream catches up, backfill runs again.
     */
    @Test
    void backfillAndLiveIngestTogetherCountEveryRowOnce() {
        Instant cutover = END.minus(Duration.ofDays(4)).truncatedTo(ChronoUnit.HOURS);
        List<OmniEvent> events = withStraddlingReceipts(traffic(5, 6_000), cutover);
        List<OmniEvent> before = events.stream().filter(e -> e.timestamp() < cutover.toEpochMilli()).toList();
        List<OmniEvent> after = events.stream().filter(e -> e.timestamp() >= cutover.toEpochMilli()).toList();
        assertTrue(before.size() > 1_000 && after.size() > 1_000);
        rollups.ensureCutover(cutover);

        persist(before);
        backfill(cutover);
        applyLive(events);
        persist(after);
        tailAutomationLogs();
        ReferenceCheck check = new ReferenceCheck(rollups);
        check.assertAllTimeMatches();
        backfill(cutover);
        check.assertAllTimeMatches();
    }

    /**
     * Omni's own consumer stores every event before our ingest sees it: the receipts for pre-cutover messages have
     * completed those rows in {@code omni_events} when the live fold looks them up, after backfill counted them as
     * they were. What backfill counted is known from its pins, not from the changed rows.
     */
    @Test
    void omniWritingFirstAfterTheBackfillCountsEveryReceiptOnce() {
        Instant cutover = END.minus(Duration.ofDays(4)).truncatedTo(ChronoUnit.HOURS);
        List<OmniEvent> events = withStraddlingReceipts(traffic(7, 6_000), cutover);
        List<OmniEvent> before = events.stream().filter(e -> e.timestamp() < cutover.toEpochMilli()).toList();
        List<OmniEvent> after = events.stream().filter(e -> e.timestamp() >= cutover.toEpochMilli()).toList();
        rollups.ensureCutover(cutover);

        persist(before);
        backfill(cutover);
        persist(after);
        applyLive(events);
        ReferenceCheck check = new ReferenceCheck(rollups);
        check.assertAllTimeMatches();
        backfill(cutover);
        check.assertAllTimeMatches();
    }

    /** Receipts folded live before Omni stored them, then backfill: the live fold's pins tell backfill what to count. */
    @Test
    void receiptsFoldedBeforeOmniStoredThemAndBeforeTheBackfill() {
        Instant cutover = END.minus(Duration.ofDays(4)).truncatedTo(ChronoUnit.HOURS);
        List<OmniEvent> after = foldedLiveBeforeOmniStored(8, cutover);
        assertTrue(count("SELECT count(*) FROM rollup.seed_status WHERE status <> 'completed'") > 0,
                "the live fold pinned the rows it found not yet completed");
        persist(after);
        tailAutomationLogs();
        backfill(cutover);
        ReferenceCheck check = new ReferenceCheck(rollups);
        check.assertAllTimeMatches();
        backfill(cutover);
        check.assertAllTimeMatches();
    }

    /**
     * Pins written before pins carried their row's day (an installation upgraded past migration V5): a dry run
     * leaves them undated and still reads them, a real run dates them and counts with them.
     */
    @Test
    void pinsWithoutTheirDayAreDatedAndHonoured() {
        Instant cutover = END.minus(Duration.ofDays(4)).truncatedTo(ChronoUnit.HOURS);
        List<OmniEvent> after = foldedLiveBeforeOmniStored(9, cutover);
        scratch.execute("UPDATE rollup.seed_status SET day = NULL");
        long undated = count("SELECT count(*) FROM rollup.seed_status WHERE day IS NULL");
        assertTrue(undated > 0, "the live fold pinned rows");
        persist(after);
        tailAutomationLogs();

        Backfill backfill = new Backfill(rollups, InstantSource.system(), MINUTES_KEPT, 2);
        List<Backfill.DayResult> dry = backfill.run(backfill.plan(cutover, Optional.empty(), Optional.empty()), true,
                () -> false, (p, r) -> { });
        assertTrue(dry.stream().mapToLong(Backfill.DayResult::eventRows).sum() > 0);
        assertEquals(undated, count("SELECT count(*) FROM rollup.seed_status WHERE day IS NULL"),
                "a dry run writes nothing");

        backfill(cutover);
        assertEquals(0, count("SELECT count(*) FROM rollup.seed_status WHERE day IS NULL"));
        new ReferenceCheck(rollups).assertAllTimeMatches();
    }

    @Test
    void liveReceiptsBeforeTheFirstBackfillAreCountedOnce() {
        Instant cutover = END.minus(Duration.ofDays(3)).truncatedTo(ChronoUnit.HOURS);
        List<OmniEvent> events = withStraddlingReceipts(traffic(6, 6_000), cutover);
        rollups.ensureCutover(cutover);
        persist(events);
        applyLive(events);
        // upstream had completed the old rows already: the live fold pinned them as it found them
        assertTrue(count("SELECT count(*) FROM rollup.seed_status WHERE status = 'completed'") > 0);
        backfill(cutover);
        ReferenceCheck check = new ReferenceCheck(rollups);
        check.assertAllTimeMatches();
        backfill(cutover);
        check.assertAllTimeMatches();
    }

    /**
     * Telegram-style external ids (a few small numbers shared by every chat) used 2 400 times each on both sides of
     * the cutover, with receipts among them, folded live in batches that arrive in any order (late by thousands of
     * sequences): equal to upstream's rows, no row sealed, nothing settled early.
     */
    @Test
    void idsReusedThousandsOfTimesWithReceiptsInAnyOrderEqualUpstreamsRows() {
        Instant cutover = END.minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.HOURS);
        List<OmniEvent> events = reusedIds(new Random(21), 8_000, END.minus(Duration.ofDays(5)));
        assertTrue(events.stream().filter(e -> e.timestamp() < cutover.toEpochMilli()).count() > 2_000);
        assertTrue(events.stream().filter(e -> e.payload().path("externalId").asText().equals("1")).count() > 2_000,
                "id 1 used thousands of times");
        rollups.ensureCutover(cutover);
        persist(events.stream().filter(e -> e.timestamp() < cutover.toEpochMilli()).toList());
        backfill(cutover);
        persist(events.stream().filter(e -> e.timestamp() >= cutover.toEpochMilli()).toList());
        List<List<InboundMessage>> batches = batches(events);
        Collections.shuffle(batches, new Random(22));
        applyBatches(batches);
        assertTrue(count("SELECT max(length(state)) FROM rollup.message_index") < 2_000, "bounded states");
        new ReferenceCheck(rollups).assertAllTimeMatches();
    }

    /**
     * Events in time order over {@code since} to {@link #END}: two ids shared by 60 % of them, the others unique; 1 %
     * delivered and 2 % read receipts (each one an {@code UPDATE} of every row with its id in the reference), so that
     * dozens of rows wait for a delivered and the state sets most of them aside.
     */
    private List<OmniEvent> reusedIds(Random random, int count, Instant since) {
        List<OmniEvent> events = new ArrayList<>();
        long span = END.toEpochMilli() - since.toEpochMilli();
        for (int i = 0; i < count; i++) {
            long at = since.toEpochMilli() + span * i / count;
            Instance instance = instances.get(random.nextInt(3));
            OmniEvent.Meta meta = OmniEvent.Meta.plugin("evt-" + i, instance.id(), instance.channel(), "trace");
            String id = random.nextInt(10) < 6 ? Integer.toString(1 + random.nextInt(2)) : "unique-" + random.nextInt(count);
            String event = UUID.randomUUID().toString();
            int kind = random.nextInt(100);
            events.add(kind < 1 ? OmniEvent.messageDelivered(event, at, meta, id, "chat-" + i, at)
                    : kind < 3 ? OmniEvent.messageRead(event, at, meta, id, "chat-" + i, at)
                    : kind < 50 ? OmniEvent.messageReceived(event, at, meta, id, "chat-" + i, "someone",
                            OmniEvent.content("text", Optional.of("hi"), Optional.empty(), Optional.empty()))
                    : kind < 85 ? OmniEvent.messageSent(event, at, meta, id, "chat-" + i, "someone",
                            OmniEvent.content("text", Optional.of("yo"), Optional.empty(), Optional.empty()))
                    : OmniEvent.messageFailed(event, at, meta, Optional.of(id), "chat-" + i, "boom",
                            Optional.of("TELEGRAM_SEND_FAILED"), true));
        }
        return events;
    }

    /**
     * Traffic with receipts straddling the cutover, folded live while Omni has stored only what came before the
     * cutover; returns the events Omni stores next.
     */
    private List<OmniEvent> foldedLiveBeforeOmniStored(int seed, Instant cutover) {
        List<OmniEvent> events = withStraddlingReceipts(traffic(seed, 6_000), cutover);
        rollups.ensureCutover(cutover);
        persist(events.stream().filter(e -> e.timestamp() < cutover.toEpochMilli()).toList());
        applyLive(events);
        return events.stream().filter(e -> e.timestamp() >= cutover.toEpochMilli()).toList();
    }

    /**
     * Adds messages from before the cutover whose receipts come after it: an inbound message and a failed send
     * (both flipped to completed by a delivered receipt), a sent message read later, and a received message that
     * gets a delivered receipt twice.
     */
    private List<OmniEvent> withStraddlingReceipts(List<OmniEvent> traffic, Instant cutover) {
        Instance instance = instances.get(0);
        OmniEvent.Meta meta = OmniEvent.Meta.plugin("evt-straddle", instance.id(), instance.channel(), "trace");
        long before = cutover.toEpochMilli() - 90_000;
        long after = cutover.toEpochMilli() + 120_000;
        List<OmniEvent> extra = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String in = "straddle-in-" + i;
            String failed = "straddle-failed-" + i;
            String sent = "straddle-sent-" + i;
            extra.add(OmniEvent.messageReceived(UUID.randomUUID().toString(), before + i, meta, in, "chat",
                    "someone", OmniEvent.content("text", Optional.of("hi"), Optional.empty(), Optional.empty())));
            extra.add(OmniEvent.messageFailed(UUID.randomUUID().toString(), before + 10 + i, meta,
                    Optional.of(failed), "chat", "boom", Optional.of("WHATSAPP_SEND_FAILED"), true));
            extra.add(OmniEvent.messageSent(UUID.randomUUID().toString(), before + 20 + i, meta, sent, "chat",
                    "someone", OmniEvent.content("text", Optional.of("yo"), Optional.empty(), Optional.empty())));
            extra.add(OmniEvent.messageDelivered(UUID.randomUUID().toString(), after + i, meta, in, "chat", after));
            extra.add(OmniEvent.messageDelivered(UUID.randomUUID().toString(), after + 10 + i, meta, failed,
                    "chat", after));
            extra.add(OmniEvent.messageRead(UUID.randomUUID().toString(), after + 20 + i, meta, sent, "chat", after));
            extra.add(OmniEvent.messageDelivered(UUID.randomUUID().toString(), after + 30 + i, meta, in, "chat", after));
        }
        List<OmniEvent> all = new ArrayList<>(traffic);
        all.addAll(extra);
        all.sort(Comparator.comparingLong(OmniEvent::timestamp));
        return all;
    }

    private List<OmniEvent> traffic(long seed, int count) {
        return TrafficGenerator.generate(TrafficGenerator.Config.of(seed, END, Duration.ofDays(10), count, instances));
    }

    private void persist(List<OmniEvent> events) {
        omni.jdbi().useHandle(h -> new ReferencePersistence(h).apply(events));
    }

    /**
     * The live path: every event through the batch applier (it ignores those before the cutover), then the tail of
     * {@code automation_logs} (for the rows already persisted).
     */
    private void applyLive(List<OmniEvent> events) {
        applyBatches(batches(events));
    }

    /** The events as the stream's batches of 300, in stream order, with stream sequences from 1. */
    private static List<List<InboundMessage>> batches(List<OmniEvent> events) {
        List<List<InboundMessage>> batches = new ArrayList<>();
        List<InboundMessage> batch = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            OmniEvent event = events.get(i);
            batch.add(new InboundMessage(event.subject(), event.toJson(), i + 1));
            if (batch.size() == 300 || i == events.size() - 1) {
                batches.add(batch);
                batch = new ArrayList<>();
            }
        }
        return batches;
    }

    /** Folds these batches live, in the order given, then tails the automation logs once. */
    private void applyBatches(List<List<InboundMessage>> batches) {
        Instant cutover = rollups.cutover().orElseThrow();
        BatchApplier applier = new BatchApplier(rollups, new EventDecoder(1 << 20), InstantSource.system(),
                MINUTES_KEPT, cutover);
        StreamRef stream = new StreamRef("MESSAGE", Instant.EPOCH);
        batches.forEach(each -> applier.apply(stream, each));
        tailAutomationLogs();
    }

    /** What the ingest's tail of {@code automation_logs} does every second. */
    private void tailAutomationLogs() {
        new AutomationLogTail(rollups, InstantSource.system(), MINUTES_KEPT, rollups.cutover().orElseThrow(),
                Duration.ofMinutes(2)).poll();
    }

    private void backfill(Instant cutover) {
        Backfill backfill = new Backfill(rollups, InstantSource.system(), MINUTES_KEPT);
        backfill.run(backfill.plan(cutover, Optional.empty(), Optional.empty()), false, () -> false, (p, r) -> { });
    }

    private long count(String sql) {
        try (Connection c = omni.connect(); Statement st = c.createStatement(); var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every rollup row, as text. */
    /** Each backfilled minute, hour and day row's key and version. */
    private List<String> versions() {
        return rollups.withHandle(h -> h.createQuery("SELECT 'm', scope, instance_id, bucket, version FROM"
                + " rollup.msg_minute WHERE src = 1 UNION ALL SELECT 'h', scope, instance_id, bucket, version FROM"
                + " rollup.msg_hour WHERE src = 1 UNION ALL SELECT 'd', scope, instance_id, bucket, version FROM"
                + " rollup.msg_day WHERE src = 1").map((rs, ctx) -> rs.getString(1) + rs.getShort(2) + rs.getString(3)
                + "@" + rs.getLong(4) + "#" + rs.getLong(5)).list());
    }

    private String snapshot() {
        StringBuilder all = new StringBuilder();
        for (String table : List.of("msg_minute", "msg_hour", "msg_day", "msg_total", "auto_minute", "auto_hour",
                "auto_day", "auto_total")) {
            // a row's version changes with every write, and a map's text with the writer (dims_add prints jsonb's
            // order): what the row counts is what must be the same
            String row = table.startsWith("msg_")
                    ? "((to_jsonb(t) - 'version') || jsonb_build_object('dims', t.dims::jsonb))::text"
                    : "(to_jsonb(t) - 'version')::text";
            try (Connection c = omni.connect(); Statement st = c.createStatement();
                 var rs = st.executeQuery("SELECT string_agg(" + row + ", ';' ORDER BY " + row + ") FROM rollup."
                         + table + " t")) {
                rs.next();
                all.append(table).append('=').append(rs.getString(1)).append('\n');
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        return all.toString();
    }
}
