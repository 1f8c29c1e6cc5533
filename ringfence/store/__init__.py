"""The two stores: the operational store (SQLAlchemy) and the analytical store (Parquet lake
queried by an analytics engine: DuckDB by default, Spark for users who outgrow one machine)."""
