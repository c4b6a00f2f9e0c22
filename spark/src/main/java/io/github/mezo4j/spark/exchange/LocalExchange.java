package io.github.mezo4j.spark.exchange;

import io.github.mezo4j.train.trainer.LossExchange;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The exchange inside one JVM: workers are threads that hand their requests straight to the {@link
 * ExchangeHub}. For tests and for trying data-parallel runs without a cluster.
 */
public final class LocalExchange {
  private final ExchangeHub hub;

  /** An exchange around {@code hub}. */
  public LocalExchange(ExchangeHub hub) {
    this.hub = hub;
  }

  /** The driver's end. */
  public ExchangeHub hub() {
    return hub;
  }

  /** A new end for worker {@code rank} (a replacement for a lost one takes a new one). */
  public LossExchange.Client client(int rank) {
    return new LossExchange.Client() {
      @Override
      public int workers() {
        return hub.workers();
      }

      @Override
      public int rank() {
        return rank;
      }

      @Override
      public byte[] join(long fingerprint) {
        Answer a = new Answer();
        hub.join(rank, hub.workers(), fingerprint, a);
        return (byte[]) a.await();
      }

      @Override
      public double[] exchange(long step, int call, long[][] parts) {
        Answer a = new Answer();
        hub.submit(rank, step, call, parts, a);
        return (double[]) a.await();
      }
    };
  }

  /** One request's answer: the log, the losses or a refusal. */
  private static final class Answer implements ExchangeHub.Reply {
    private final CompletableFuture<Object> value = new CompletableFuture<>();

    @Override
    public void welcome(byte[] stepLog) {
      value.complete(stepLog);
    }

    @Override
    public void losses(long step, int call, double[] losses) {
      value.complete(losses.clone());
    }

    @Override
    public void refuse(String why) {
      value.completeExceptionally(new IllegalStateException(why));
    }

    Object await() {
      try {
        return value.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the driver", e);
      } catch (ExecutionException e) {
        throw (RuntimeException) e.getCause();
      }
    }
  }
}
