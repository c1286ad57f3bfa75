package fr.chevet.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;

/**
 * Validates FHIR R4 JSON files against the base specification.
 *
 * <p>Usage: {@code java -jar fhir-validator.jar FILE...}. Prints one line per
 * message ({@code SEVERITY location: message}) and exits 1 when any file has
 * an error or a fatal message, 0 otherwise. Required bindings are checked
 * against the code systems and value sets the R4 package ships (no
 * terminology server: LOINC, SNOMED CT and UCUM codes are checked for form,
 * not looked up, except UCUM which the common code systems service parses).
 */
public final class Validate {
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: fhir-validator FILE...");
      System.exit(2);
    }
    FhirContext ctx = FhirContext.forR4();
    ValidationSupportChain chain = new ValidationSupportChain(
        new DefaultProfileValidationSupport(ctx),
        new InMemoryTerminologyServerValidationSupport(ctx),
        new CommonCodeSystemsTerminologyService(ctx));
    FhirInstanceValidator module = new FhirInstanceValidator(chain);
    module.setAnyExtensionsAllowed(true);
    module.setErrorForUnknownProfiles(true);
    FhirValidator validator = ctx.newValidator().registerValidatorModule(module);
    int errors = 0;
    for (String file : args) {
      String json = Files.readString(Path.of(file), StandardCharsets.UTF_8);
      ValidationResult result = validator.validateWithResult(json);
      for (SingleValidationMessage m : result.getMessages()) {
        ResultSeverityEnum s = m.getSeverity();
        if (s == ResultSeverityEnum.ERROR || s == ResultSeverityEnum.FATAL) {
          errors++;
        }
        System.out.println(s + " " + m.getLocationString() + ": " + m.getMessage());
      }
    }
    System.out.println(errors == 0 ? "VALID" : "INVALID: " + errors + " error(s)");
    System.exit(errors == 0 ? 0 : 1);
  }
}
