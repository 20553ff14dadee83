# The bench's window job in Spark Structured Streaming, local[2]: event-time
# windows of 1 minute over the log records' ts, watermark 5 s, count per
# status, update mode; the input file is read as a stream once (availableNow).
# Usage: python window.py DIR_WITH_LOGS   (prints the rows to stdout)
#        python window.py --startup        (starts and stops a session only)
import sys

from pyspark.sql import SparkSession
from pyspark.sql.functions import col, window
from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

spark = SparkSession.builder.master("local[2]").appName("sluice-bench").config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
if sys.argv[1] == "--startup":
    spark.stop()
    sys.exit(0)

schema = StructType([
    StructField("ts", TimestampType()),
    StructField("user", StringType()),
    StructField("path", StringType()),
    StructField("status", LongType()),
    StructField("bytes", LongType()),
    StructField("ua", StringType()),
])
logs = spark.readStream.schema(schema).json(sys.argv[1])
counts = logs.withWatermark("ts", "5 seconds").groupBy(window(col("ts"), "1 minute"), col("status")).count()
query = counts.writeStream.outputMode("update").format("console").option("truncate", "false").option("numRows", 100000).trigger(availableNow=True).start()
query.awaitTermination()
spark.stop()
