package io.decisionledger.chain;

/**
 * What the verify job keeps of one stored record: its chain position and links, whether its hashes
 * recompute, and where it was found. Small on purpose: the sort by chain and seq spills these, not
 * whole records, so verifying a large lake does not need it in memory.
 */
public class ChainEntry {
    public String tenantId;
    public int chainShard;

    /** -1 when the record carries no chain fields. */
    public long seq;

    /**
     * prev_hash as stored when it is not 64 lower-case hex characters (a damaged or forged record),
     * else null and {@link #prevHashBytes} holds it: see {@link #setHashes}.
     */
    public String prevHash;

    /**
     * hash as stored when it is not 64 lower-case hex characters, else null: {@link #hashBytes}.
     */
    public String hash;

    /**
     * prev_hash as its 32 bytes when it is 64 lower-case hex characters (as every record ingest
     * wrote), else null: half the bytes of the string through the verify job's sorts.
     */
    public byte[] prevHashBytes;

    /** hash as its 32 bytes when it is 64 lower-case hex characters, else null. */
    public byte[] hashBytes;

    public String eventId;

    /** The file the record was read from; null when {@link #fileIndex} names it instead. */
    public String file;

    /**
     * The file as a position in the list of files the verify job was given, or -1: a number instead
     * of a path of a hundred characters, carried through two sorts for every record.
     */
    public int fileIndex = -1;

    public boolean contentOk;
    public boolean hashOk;

    /** The layout the record was verified under: 2 or 3; 0 when its record_layout is unknown. */
    public int layout;

    /**
     * Why the record's layout columns do not hang together (unknown layout, missing salt, an erased
     * column holding a value …), naming columns only; null when they do.
     */
    public String layoutProblem;

    /** The erasure request that erased columns of this record; null unless erased. */
    public String erasureRequestId;

    /**
     * Where the record is stored against where its own tenant_id and event time put it ({@code
     * tenant_id=T/event_date=D} folders), when the two differ; null when it is in its folder.
     */
    public String misplaced;

    public ChainEntry() {}

    /** True when the record's record_layout is not a known layout. */
    public boolean unknownLayout() {
        return layout == 0 && layoutProblem != null;
    }

    /**
     * Sets prev_hash and hash as stored: each as 32 bytes when it is 64 lower-case hex characters,
     * else as the string. One form per value, so two stored values are equal exactly when their
     * forms are ({@link #samePrevHash}).
     */
    public void setHashes(String storedPrevHash, String storedHash) {
        prevHashBytes = Hex64.parse(storedPrevHash);
        prevHash = prevHashBytes == null ? storedPrevHash : null;
        hashBytes = Hex64.parse(storedHash);
        hash = hashBytes == null ? storedHash : null;
    }

    /**
     * Brings hashes set directly on the string fields into the form {@link #setHashes} gives them
     * (entries made by hand, e.g. in tests); entries from {@link #setHashes} are left as they are.
     */
    public void normalizeHashes() {
        if (prevHashBytes == null && Hex64.is(prevHash)) {
            prevHashBytes = Hex64.parse(prevHash);
            prevHash = null;
        }
        if (hashBytes == null && Hex64.is(hash)) {
            hashBytes = Hex64.parse(hash);
            hash = null;
        }
    }

    /** prev_hash as stored (hex again when it was held as bytes). */
    public String storedPrevHash() {
        return prevHashBytes != null ? Hex64.format(prevHashBytes) : prevHash;
    }

    /** hash as stored (hex again when it was held as bytes). */
    public String storedHash() {
        return hashBytes != null ? Hex64.format(hashBytes) : hash;
    }

    /**
     * True when this entry's prev_hash equals the stored hash held as {@code bytes} or {@code raw}
     * (the forms {@link #setHashes} gives): a string comparison of the stored values, made on
     * bytes.
     */
    public boolean samePrevHash(byte[] bytes, String raw) {
        return java.util.Arrays.equals(prevHashBytes, bytes)
                && java.util.Objects.equals(prevHash, raw);
    }

    public String chainKey() {
        return ChainSharding.chainKey(tenantId, chainShard);
    }
}
