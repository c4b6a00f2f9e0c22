package io.github.mezo4j.nn.hub;

import io.github.mezo4j.core.text.Printable;
import java.io.IOException;

/**
 * A hub download that failed, with a message naming the repository, revision or file and what to
 * do; {@link #reason()} tells the cases apart for callers that react differently.
 */
public final class HubException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why a download failed. */
  public enum Reason {
    /** The hub cannot be reached (or offline mode is on) and the cache lacks the files. */
    UNREACHABLE,
    /** 401/403: a gated or private repository that needs (another) HF_TOKEN. */
    UNAUTHORIZED,
    /** 404: the repository, revision or file does not exist. */
    NOT_FOUND,
    /** The downloaded bytes do not match the size or checksum the hub announced. */
    CORRUPT,
    /** The hub answered something this client cannot use (a missing header, a bad status). */
    PROTOCOL
  }

  /** Why the hub request failed. */
  private final Reason reason;

  /** A failure for {@code reason} with a message a user can act on. */
  public HubException(Reason reason, String message) {
    super(Printable.escapeKeepingLines(message)); // may quote what a server sent
    this.reason = reason;
  }

  /** A failure for {@code reason} caused by {@code cause}. */
  public HubException(Reason reason, String message, Throwable cause) {
    super(Printable.escapeKeepingLines(message), cause);
    this.reason = reason;
  }

  /** Why the download failed. */
  public Reason reason() {
    return reason;
  }
}
