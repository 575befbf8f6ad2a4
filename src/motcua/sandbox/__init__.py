"""Stand-ins for the outside world: real protocols, synthetic data. Domain modules never import
this package; only the CLI, the app assembly and the tests do."""
