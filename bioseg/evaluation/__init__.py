"""The end-of-pilot evaluation (试点总结评估): figures as of a date for the country, a province or a product
(``figures``), the provinces' signed narratives, and report builds run in the background."""
