package io.github.mezo4j.spark;

/** What a driver or an executor must run on: Java 25+, the Vector API module, Spark 4. */
final class Runtimes {
  private Runtimes() {}

  /**
   * Checks this JVM and, when {@code sparkVersion} is not null, Spark.
   *
   * @throws IllegalStateException naming what is missing and how to get it
   */
  static void check(String sparkVersion) {
    int java = Runtime.version().feature();
    if (java < 25) {
      throw new IllegalStateException(
          "mezo4j needs Java 25 or later, this JVM is Java %d (%s): point JAVA_HOME (and"
                  .formatted(java, System.getProperty("java.home"))
              + " spark.executorEnv.JAVA_HOME) at a JDK 25");
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      throw new IllegalStateException(
          "mezo4j needs the Vector API: start the JVM with --add-modules jdk.incubator.vector"
              + " (spark-submit --driver-java-options and spark.executor.extraJavaOptions)");
    }
    if (sparkVersion != null && !sparkVersion.startsWith("4.")) {
      throw new IllegalStateException(
          "mezo4j-spark runs on Spark 4 (built against 4.2), this cluster runs Spark "
              + sparkVersion);
    }
  }
}
