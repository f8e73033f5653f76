package io.decisionledger.replay;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a replay reads: per lake file, the event ids of the selected decisions in it. The client
 * makes the plan ({@link ReplaySelection}, from the id columns only) and the plan is all of the
 * selection that travels in the job graph: the graph is kept by the JobManager and, with high
 * availability, in its HA storage, outside the lake's access rules, so it must hold no prompt,
 * context or user id. The job's tasks read the planned decisions from the lake ({@link
 * ReadSelectedDecisions}).
 */
public final class ReplayPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    private final TreeMap<String, ArrayList<String>> eventIdsByFile;
    private final int size;

    private ReplayPlan(TreeMap<String, ArrayList<String>> eventIdsByFile, int size) {
        this.eventIdsByFile = eventIdsByFile;
        this.size = size;
    }

    /** The plan that reads exactly {@code selected} (an id twice in a file: read twice). */
    public static ReplayPlan of(List<ReplaySelection.Selected> selected) {
        TreeMap<String, ArrayList<String>> byFile = new TreeMap<>();
        for (ReplaySelection.Selected s : selected) {
            byFile.computeIfAbsent(s.file(), f -> new ArrayList<>()).add(s.eventId());
        }
        return new ReplayPlan(byFile, selected.size());
    }

    /** How many decisions the plan reads. */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The files to read, sorted. */
    public List<String> files() {
        return List.copyOf(eventIdsByFile.keySet());
    }

    /** The event ids planned in {@code file}; empty for a file not in the plan. */
    public List<String> eventIds(String file) {
        return List.copyOf(eventIdsByFile.getOrDefault(file, new ArrayList<>()));
    }

    /** Every planned file with its event ids. */
    public Map<String, List<String>> eventIdsByFile() {
        Map<String, List<String>> out = new TreeMap<>();
        eventIdsByFile.forEach((f, ids) -> out.put(f, List.copyOf(ids)));
        return out;
    }
}
