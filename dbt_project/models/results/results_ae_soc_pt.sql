-- Treatment-emergent adverse events by SOC and PT (table 14-5.01): see macros/results_ae_incidence.sql.

{{ results_ae_incidence() }}
