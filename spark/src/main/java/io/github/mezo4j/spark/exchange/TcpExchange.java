package io.github.mezo4j.spark.exchange;

import io.github.mezo4j.train.trainer.LossExchange;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The exchange over TCP: the driver listens ({@link #serve}), each worker holds one connection
 * ({@link #connect}). A round costs a worker one message of its part of the loss (17 bytes, plus 4
 * and 8 per number for each evaluated sign: 73 bytes for a cross-entropy pair, whatever the batch)
 * and one answer of the losses (17 bytes plus 8 per loss): a star through the driver, which already
 * writes the step log and so is the one place every step passes. Only the JDK's sockets: no
 * discovery, no connection but to the address the driver gives.
 */
public final class TcpExchange {
  private TcpExchange() {}

  private static final int MAGIC = 0x4d655a4f; // "MeZO"
  private static final int VERSION = 2;
  private static final byte JOIN = 'J';
  private static final byte PART = 'U';
  private static final byte WELCOME = 'W';
  private static final byte LOSSES = 'L';
  private static final byte REFUSED = 'X';

  /** The driver's listening end: hands every request to the hub. */
  public static final class Server implements AutoCloseable {
    private final ExchangeHub hub;
    private final ServerSocket socket;
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    private final AtomicLong welcomeBytes = new AtomicLong();

    private Server(ExchangeHub hub, ServerSocket socket) {
      this.hub = hub;
      this.socket = socket;
      Thread accept = new Thread(this::acceptLoop, "mezo4j-exchange-accept");
      accept.setDaemon(true);
      accept.start();
    }

    /** The port workers connect to. */
    public int port() {
      return socket.getLocalPort();
    }

    /** Bytes received from workers so far. */
    public long bytesIn() {
      return bytesIn.get();
    }

    /** Bytes sent to workers so far. */
    public long bytesOut() {
      return bytesOut.get();
    }

    /** The part of {@link #bytesOut} that carried step logs to joining workers. */
    public long welcomeBytes() {
      return welcomeBytes.get();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }

    private void acceptLoop() {
      while (!socket.isClosed()) {
        try {
          Socket s = socket.accept();
          s.setTcpNoDelay(true);
          Thread t = new Thread(() -> serve(s), "mezo4j-exchange-" + s.getRemoteSocketAddress());
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    private void serve(Socket s) {
      try (s;
          DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
          DataOutputStream out =
              new DataOutputStream(new BufferedOutputStream(s.getOutputStream()))) {
        Connection c = new Connection(out);
        int rank = -1;
        while (true) {
          byte type = in.readByte();
          if (type == JOIN) {
            int magic = in.readInt();
            int version = in.readInt();
            rank = in.readInt();
            int workers = in.readInt();
            long fingerprint = in.readLong();
            bytesIn.addAndGet(25);
            if (magic != MAGIC || version != VERSION) {
              c.refuse("not a mezo4j exchange client of version " + VERSION);
              return;
            }
            hub.join(rank, workers, fingerprint, c);
          } else if (type == PART && rank >= 0) {
            long step = in.readLong();
            int call = in.readInt();
            long[][] parts = readParts(in);
            bytesIn.addAndGet(17 + 4L * parts.length + 8L * total(parts));
            hub.submit(rank, step, call, parts, c);
          } else {
            c.refuse("unexpected message type " + type);
            return;
          }
        }
      } catch (EOFException e) {
        // the worker went away: a relaunched one reconnects
      } catch (IOException e) {
        // the same, less politely
      }
    }

    /** Answers on one worker's connection; writes from the hub's thread, one at a time. */
    private final class Connection implements ExchangeHub.Reply {
      private final DataOutputStream out;

      Connection(DataOutputStream out) {
        this.out = out;
      }

      @Override
      public synchronized void welcome(byte[] stepLog) {
        try {
          out.writeByte(WELCOME);
          out.writeInt(stepLog.length);
          out.write(stepLog);
          out.flush();
          bytesOut.addAndGet(5 + stepLog.length);
          welcomeBytes.addAndGet(5 + stepLog.length);
        } catch (IOException e) {
          // a lost worker: its replacement joins again
        }
      }

      @Override
      public synchronized void losses(long step, int call, double[] losses) {
        try {
          out.writeByte(LOSSES);
          out.writeLong(step);
          out.writeInt(call);
          out.writeInt(losses.length);
          for (double l : losses) {
            out.writeDouble(l);
          }
          out.flush();
          bytesOut.addAndGet(17 + 8L * losses.length);
        } catch (IOException e) {
          // a lost worker: its replacement asks again
        }
      }

      @Override
      public synchronized void refuse(String why) {
        try {
          out.writeByte(REFUSED);
          out.writeUTF(why);
          out.flush();
        } catch (IOException e) {
          // nobody to tell
        }
      }
    }
  }

  /** Starts the driver's end of {@code hub} on {@code address}, on a free port. */
  public static Server serve(ExchangeHub hub, InetAddress address) throws IOException {
    ServerSocket s = new ServerSocket();
    s.bind(new InetSocketAddress(address, 0));
    return new Server(hub, s);
  }

  /**
   * A worker's end: connects to the driver at {@code host:port}, retrying for up to {@code
   * waitMillis} while the driver starts listening.
   */
  public static WorkerEnd connect(String host, int port, int rank, int workers, long waitMillis)
      throws IOException {
    long deadline = System.nanoTime() + waitMillis * 1_000_000;
    while (true) {
      // a channel, so that interrupting the thread (Spark killing the task) ends a blocked read
      SocketChannel s = SocketChannel.open();
      try {
        s.connect(new InetSocketAddress(host, port));
        s.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return new WorkerEnd(s, rank, workers);
      } catch (IOException e) {
        s.close();
        if (System.nanoTime() > deadline) {
          throw new IOException(
              "cannot reach the mezo4j driver's exchange at %s:%d: %s"
                  .formatted(host, port, e.getMessage()),
              e);
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while connecting to the driver", ie);
        }
      }
    }
  }

  /** A worker's connection to the driver. */
  public static final class WorkerEnd implements LossExchange.Client, AutoCloseable {
    private final SocketChannel socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final int rank;
    private final int workers;

    private WorkerEnd(SocketChannel socket, int rank, int workers) throws IOException {
      this.socket = socket;
      this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(socket)));
      this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(socket)));
      this.rank = rank;
      this.workers = workers;
    }

    @Override
    public int workers() {
      return workers;
    }

    @Override
    public int rank() {
      return rank;
    }

    @Override
    public byte[] join(long fingerprint) {
      try {
        out.writeByte(JOIN);
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(rank);
        out.writeInt(workers);
        out.writeLong(fingerprint);
        out.flush();
        expect(WELCOME);
        byte[] log = new byte[in.readInt()];
        in.readFully(log);
        return log;
      } catch (IOException e) {
        throw lost(e);
      }
    }

    @Override
    public double[] exchange(long step, int call, long[][] parts) {
      try {
        out.writeByte(PART);
        out.writeLong(step);
        out.writeInt(call);
        out.writeInt(parts.length);
        for (long[] s : parts) {
          out.writeInt(s.length);
          for (long v : s) {
            out.writeLong(v);
          }
        }
        out.flush();
        expect(LOSSES);
        long gotStep = in.readLong();
        int gotCall = in.readInt();
        double[] losses = new double[in.readInt()];
        for (int i = 0; i < losses.length; i++) {
          losses[i] = in.readDouble();
        }
        if (gotStep != step || gotCall != call) {
          throw new IllegalStateException(
              "asked for step %d call %d, the driver answered step %d call %d"
                  .formatted(step + 1, call, gotStep + 1, gotCall));
        }
        return losses;
      } catch (IOException e) {
        throw lost(e);
      }
    }

    private void expect(byte type) throws IOException {
      byte got = in.readByte();
      if (got == REFUSED) {
        throw new IllegalStateException(
            "the mezo4j driver refused worker " + rank + ": " + in.readUTF());
      }
      if (got != type) {
        throw new IOException("unexpected message type " + got + " from the driver");
      }
    }

    private UncheckedIOException lost(IOException e) {
      return new UncheckedIOException(
          "lost the connection to the mezo4j driver (worker %d)".formatted(rank), e);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static long[][] readParts(DataInputStream in) throws IOException {
    int k = in.readInt();
    if (k < 1 || k > 2) {
      throw new IOException("a round carries 1 or 2 parts, got " + k);
    }
    long[][] parts = new long[k][];
    for (int i = 0; i < k; i++) {
      int n = in.readInt();
      if (n < 1 || n > (1 << 24)) { // a pair part holds embeddings: up to 128 MB
        throw new IOException("a part of " + n + " numbers");
      }
      parts[i] = new long[n];
      for (int j = 0; j < n; j++) {
        parts[i][j] = in.readLong();
      }
    }
    return parts;
  }

  private static long total(long[][] parts) {
    long n = 0;
    for (long[] s : parts) {
      n += s.length;
    }
    return n;
  }
}
