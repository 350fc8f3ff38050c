package dev.magnitude.jobs.train;

import java.io.Serializable;

/** A run handed to a train task: its id, the URI of its spec.json and of its _SUCCESS marker. */
record PlannedRun(String runId, String specUri, String successPath) implements Serializable {}
